import Foundation
import Glibc
import Subprocess
import Synchronization
import SystemPackage

/// A program started by a test: run to completion (`ChildProcess.run`), or
/// left running in the background (`ChildProcess.start`) to be signalled
/// and waited for.
public final class ChildProcess: Sendable {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String

        /// "exited(0)" style, for failure messages.
        public var summary: String { "status \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
    }

    /// Shared with the task that runs the process, which must not hold the
    /// ChildProcess itself: then its deinit can kill a process a failed
    /// test left running.
    private final class State: Sendable {
        let value = Mutex<(pid: Int32?, exited: Bool)>((nil, false))
    }

    private let state = State()
    private let task: Mutex<Task<Result, Never>?> = Mutex(nil)

    /// Runs `arguments` and returns when it exits.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil
    ) async throws -> Result {
        let outcome = try await Subprocess.run(
            .path(FilePath(executable)), arguments: Arguments(arguments),
            environment: .inherit.updating(Dictionary(uniqueKeysWithValues: environment.map { (Environment.Key(rawValue: $0.key)!, $0.value) })),
            workingDirectory: directory.map { FilePath($0) },
            output: .string(limit: 16 << 20), error: .string(limit: 16 << 20))
        return Result(status: outcome.terminationStatus.code, stdout: outcome.standardOutput, stderr: outcome.standardError)
    }

    /// Starts `arguments` in the background.
    public static func start(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil
    ) async throws -> ChildProcess {
        let child = ChildProcess()
        let (pids, continuation) = AsyncStream<Int32>.makeStream()
        let configuration = Configuration(
            executable: .path(FilePath(executable)), arguments: Arguments(arguments),
            environment: .inherit.updating(Dictionary(uniqueKeysWithValues: environment.map { (Environment.Key(rawValue: $0.key)!, $0.value) })),
            workingDirectory: directory.map { FilePath($0) })
        let state = child.state
        let task = Task {
            do {
                let outcome = try await Subprocess.run(
                    configuration, input: .none, output: .sequence, error: .sequence
                ) { execution in
                    continuation.yield(execution.processIdentifier.value)
                    continuation.finish()
                    async let out = collect(execution.standardOutput)
                    async let err = collect(execution.standardError)
                    return (try await out, try await err)
                }
                state.value.withLock { $0.exited = true }
                return Result(status: outcome.terminationStatus.code, stdout: outcome.closureResult.0, stderr: outcome.closureResult.1)
            } catch {
                continuation.finish()
                state.value.withLock { $0.exited = true }
                return Result(status: -1, stdout: "", stderr: "could not run \(executable): \(error)")
            }
        }
        child.task.withLock { $0 = task }
        for await pid in pids { child.state.value.withLock { $0.pid = pid } }
        return child
    }

    public var pid: Int32? { state.value.withLock { $0.pid } }

    /// Whether it has exited (its result is then ready for `wait`).
    public var hasExited: Bool { state.value.withLock { $0.exited } }

    public func signal(_ signal: Int32) {
        let (pid, exited) = state.value.withLock { ($0.pid, $0.exited) }
        if let pid, !exited { kill(pid, signal) }
    }

    /// Waits for the process to exit, killing it if `timeout` passes first.
    @discardableResult
    public func wait(timeout: Duration = .seconds(60)) async -> Result {
        let killer = Task {
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled { self.signal(SIGKILL) }
        }
        defer { killer.cancel() }
        return await task.withLock { $0! }.value
    }

    deinit {
        signal(SIGKILL)
    }
}

private func collect(_ sequence: SubprocessOutputSequence) async throws -> String {
    var data = [UInt8]()
    for try await buffer in sequence {
        buffer.withUnsafeBytes { data.append(contentsOf: $0) }
    }
    return String(decoding: data, as: UTF8.self)
}

extension TerminationStatus {
    /// The exit code, or 128 + the signal, as a shell reports it.
    var code: Int32 {
        switch self {
        case .exited(let code): code
        case .signaled(let signal): 128 + signal
        }
    }
}
