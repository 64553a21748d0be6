import EngineProtocol
import Foundation
import Glibc
import Subprocess
import SystemPackage

extension EngineProcess {
    /// Runs the child for its whole life: a writer task drains the outgoing
    /// queue into stdin while this task reads stdout lines. When stdout
    /// ends, the child is exiting; anything still waiting then fails.
    nonisolated func supervise(
        _ configuration: Configuration, _ outgoing: AsyncStream<[UInt8]>, _ logDescriptor: FileDescriptor
    ) async {
        let lineLimit = options.maxLineBytes
        let transcript = options.transcript
        let grace = manifest.timeouts.shutdownSeconds
        do {
            let outcome = try await Subprocess.run(
                configuration, input: .inputWriter, output: .sequence,
                error: .fileDescriptor(logDescriptor, closeAfterSpawningProcess: true)
            ) { execution in
                let pid = execution.processIdentifier.value
                await self.attached(pid: pid)
                let writer = execution.standardInputWriter
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await line in outgoing {
                            transcript?(.toEngine, String(decoding: line.last == 10 ? line.dropLast() : line[...], as: UTF8.self))
                            // A write fails once the child has gone; its exit is reported below.
                            do { _ = try await writer.write(line) } catch { break }
                        }
                        try? await writer.finish()
                    }
                    do {
                        let lines = execution.standardOutput.strings(
                            separatedBy: .unicodeScalarSequence(["\n"]), bufferingPolicy: .maxLineLength(lineLimit))
                        for try await line in lines {
                            transcript?(.fromEngine, line)
                            await self.received(line)
                        }
                    } catch {
                        await self.kill(because: .lineTooLong(limit: lineLimit))
                    }
                    group.cancelAll()
                }
                // stdout is closed, so the child is on its way out; make sure
                // it gets there, or `run` would wait for it forever.
                Task.detached {
                    try? await Task.sleep(for: .seconds(grace))
                    if await self.state != .exited { await self.kill(because: .closedStdoutWithoutExiting) }
                }
            }
            await exited(status: "\(outcome.terminationStatus)")
        } catch {
            try? logDescriptor.close()
            await exited(status: nil, spawnError: "\(error)")
        }
    }

    func attached(pid: Int32) {
        self.setPID(pid)
        if violationPending { kill(because: currentViolation ?? .killedBeforeStart) }
    }

    func received(_ line: String) {
        // After a violation nothing it says counts; it is being killed.
        if line.isEmpty || violationPending { return }
        guard let envelope = try? LineCodec().envelope(of: line) else {
            kill(because: .notJSONRPC(excerpt: Self.excerpt(line)))
            return
        }
        if envelope.isResponse {
            guard case .int(let id)? = envelope.id, resolve(id, line: line, error: envelope.error) else {
                kill(because: .unknownResponseID(envelope.id))
                return
            }
        } else if envelope.method == Method.progress, envelope.id == nil {
            guard let message = try? LineCodec().decode(Notification<ProgressParams>.self, from: line) else { return }
            if case .int(let id) = message.params.id { notifyProgress(id, message.params) }
        } else if envelope.id != nil, let method = envelope.method {
            // v1 engines send no requests; answer so a newer engine is not left waiting.
            let reply = ErrorResponse(id: envelope.id, error: RPCError(code: RPCError.methodNotFound, message: "the host has no method \(method)"))
            if let bytes = try? LineCodec().encode(reply) { send(bytes) }
        } else if envelope.method == nil {
            kill(because: .neitherResponseNorNotification(excerpt: Self.excerpt(line)))
        }
        // Unknown notifications are ignored: newer engines may send more.
    }

    func exited(status: String?, spawnError: String? = nil) {
        let reason: String
        if let spawnError {
            reason = "engine \(manifest.name) could not be started: \(spawnError)"
        } else if let violation = currentViolation {
            reason = "engine \(manifest.name) was killed because \(violation)"
        } else {
            reason = "engine \(manifest.name) exited (\(status ?? "unknown status"))" + logTail()
        }
        markExited(reason: reason)
    }

    /// The last lines the engine wrote to stderr, for error messages.
    nonisolated func logTail(lines: Int = 6) -> String {
        guard let path = options.logFile, let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 2048 ? size - 2048 : 0)
        let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        let tail = text.split(separator: "\n").suffix(lines).joined(separator: "\n")
        return tail.isEmpty ? "" : "; its log ends:\n\(tail)"
    }

    static func excerpt(_ line: String) -> String {
        let shown = line.prefix(120)
        return "\"\(shown)\(line.count > 120 ? "…" : "")\""
    }

    nonisolated func makeConfiguration() -> Configuration {
        let program = manifest.command[0]
        let executable: Executable
        if let environment = EngineEnvironment(manifest: manifest, root: options.environmentsRoot),
           program == "python3" || program == "python" {
            executable = .path(FilePath(environment.python))
        } else if program.hasPrefix("/") {
            executable = .path(FilePath(program))
        } else if program.contains("/") {
            executable = .path(FilePath(manifest.directory + "/" + program))
        } else {
            executable = .name(program)
        }
        var platform = PlatformOptions()
        // Its own process group, so killing it kills anything it started.
        platform.processGroupID = 0
        return Configuration(
            executable: executable, arguments: Arguments(Array(manifest.command.dropFirst())),
            environment: .custom(environment()), workingDirectory: FilePath(manifest.directory),
            platformOptions: platform)
    }

    /// A small, declared environment: nothing of the supervisor's leaks in
    /// beyond what a program needs to run.
    nonisolated func environment() -> [Environment.Key: String] {
        let inherited = ProcessInfo.processInfo.environment
        var values: [String: String] = [:]
        for key in ["PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "USER", "LOGNAME", "PYENV_ROOT", "PYENV_VERSION"] {
            if let value = inherited[key] { values[key] = value }
        }
        values["PATH"] = values["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        if let environment = EngineEnvironment(manifest: manifest, root: options.environmentsRoot) {
            values["VIRTUAL_ENV"] = environment.directory
            values["PATH"] = environment.directory + "/bin:" + values["PATH"]!
        }
        values["PYTHONUNBUFFERED"] = "1"
        values["PYTHONDONTWRITEBYTECODE"] = "1"
        if let sdk = options.sdkDirectory { values["PYTHONPATH"] = sdk }
        values["AUDIOSPOOL_ENGINE"] = manifest.name
        values["AUDIOSPOOL_DEVICE"] = device.description
        for (key, value) in manifest.environment { values[key] = value }
        for (key, value) in options.environment { values[key] = value }
        var environment: [Environment.Key: String] = [:]
        for (key, value) in values {
            if let key = Environment.Key(rawValue: key) { environment[key] = value }
        }
        return environment
    }

    nonisolated func openLog() -> FileDescriptor {
        if let path = options.logFile,
           let descriptor = try? FileDescriptor.open(
               FilePath(path), .writeOnly, options: [.append, .create, .closeOnExec], permissions: [.ownerReadWrite, .groupRead, .otherRead]) {
            return descriptor
        }
        return (try? FileDescriptor.open("/dev/null", .writeOnly, options: [.closeOnExec])) ?? FileDescriptor(rawValue: 2)
    }
}
