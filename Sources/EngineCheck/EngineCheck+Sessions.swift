import Basics
import EngineHost
import EngineProtocol
import Foundation

/// The sessions after the main one: what a host never sends (a `run`
/// before `initialize`, an offer of no common version, a `run` without
/// `work_dir`, cancels for ids never sent), then stdin closing mid-run.
extension EngineCheck {
    /// The versions a `version-negotiation` probe offers: none that any engine speaks.
    static let versionsNoEngineSpeaks = [99, 98]

    /// A process launched without the handshake: a `run` first (-32600
    /// expected), then an `initialize` offering only versions no engine
    /// speaks (`unsupported` expected). A fresh process for the second
    /// if the first probe ended the first.
    func probeSession(_ jobs: CheckJobs, sandbox: Sandbox, timeout: Double, findings: inout Findings) async {
        var transcript = Transcript()
        var process = makeProcess(transcript, sandbox: sandbox)
        do {
            try await process.launch()
            options.progress?("a run before initialize (-32600 expected)")
            var run = try jobs.run(jobs.longTask, name: "before-initialize")
            run.jobID = CheckJobs.probePrefix + "before-initialize"
            let answer = try await process.rawRequest(Method.run, run, timeout: timeout)
            expectProtocolError(answer, code: RPCError.invalidRequest, to: "a run before initialize", findings: &findings)
        } catch {
            findings.fail(.protocolErrors, "a run before initialize was not answered: \(error)")
        }
        let exited = await process.state == .exited
        let killed = await process.killReason != nil
        if exited || killed {
            await finish(transcript, process, findings: &findings, skipping: [], complete: false, attributingKill: false)
            transcript = Transcript()
            process = makeProcess(transcript, sandbox: sandbox)
            do { try await process.launch() } catch { findings.fail(.versionNegotiation, "not checked: a fresh start failed: \(error.message)") }
        }
        let offer = Self.versionsNoEngineSpeaks
        options.progress?("initialize offering protocol versions \(offer) (unsupported expected)")
        let params = InitializeParams(protocolVersions: offer, engine: manifest.name, device: options.device, config: options.config, cpuThreads: 1)
        do {
            let answer = try await process.rawRequest(Method.initialize, params, timeout: timeout)
            let object = Transcript.object(answer) ?? [:]
            if let error = object["error"]?.objectValue {
                let kind = error["data"]?.objectValue?["kind"]?.stringValue
                if kind == ErrorKind.unsupported.rawValue {
                    findings.note(.versionNegotiation, "refused \(offer): \(error["message"]?.stringValue ?? "")")
                } else {
                    findings.fail(
                        .versionNegotiation,
                        "an initialize offering only versions \(offer) was answered with code \(error["code"]?.intValue.map(String.init) ?? "?"), kind \(kind ?? "none"); expected unsupported (-32002)")
                }
            } else {
                let chosen = object["result"]?.objectValue?["protocol_version"]?.intValue.map(String.init) ?? "?"
                findings.fail(
                    .versionNegotiation,
                    "an initialize offering only versions \(offer) was answered with a result (protocol_version \(chosen)); an engine that speaks none of them answers unsupported")
            }
        } catch {
            findings.fail(.versionNegotiation, "an initialize offering only versions \(offer) was not answered: \(error.message)")
        }
        // The host stops a process that refused the handshake: stdin closes.
        await process.closeInput()
        if await !process.waitForExit(timeout: manifest.timeouts.shutdownSeconds) {
            await process.kill(because: .ignoredStdinEOF)
            _ = await process.waitForExit(timeout: 10)
        }
        // Its stdin EOF is held to its rule in the EOF session, where it has a run in flight.
        await finish(transcript, process, findings: &findings, skipping: [], complete: false, attributingKill: false)
    }

    /// An answer that must be the JSON-RPC error `code`, without a kind.
    private func expectProtocolError(_ answer: String, code: Int, to what: String, findings: inout Findings) {
        let object = Transcript.object(answer) ?? [:]
        guard let error = object["error"]?.objectValue else {
            findings.fail(.protocolErrors, "\(what) was answered with a result; answer it with the JSON-RPC error \(code)")
            return
        }
        let got = error["code"]?.intValue
        if got == code {
            findings.note(.protocolErrors, "\(what): \(code)")
        } else {
            findings.fail(.protocolErrors, "\(what) was answered with code \(got.map(String.init) ?? "?"); expected \(code)")
        }
    }

    /// Another process: a `run` without `work_dir` (-32602 expected); two
    /// cancels for an id never sent, then a ping (answered, and nothing
    /// else); a run cancelled, then the same cancel again once it is
    /// answered, then a ping; then a long run and stdin closes mid-run. A probe that ends
    /// the process fails its rule, and a fresh process takes the next step.
    func eofSession(_ jobs: CheckJobs, sandbox: Sandbox, probeTimeout: Double, findings: inout Findings) async {
        var transcript = Transcript()
        var process = makeProcess(transcript, sandbox: sandbox)
        do {
            try await process.start()
        } catch {
            findings.fail(.exitOnEOF, "not checked: a second start failed: \(error.message)")
            return
        }
        options.progress?("a run without work_dir (-32602 expected)")
        let run = MalformedRun(jobID: CheckJobs.probePrefix + "no-work-dir", task: jobs.longTask)
        do {
            let answer = try await process.rawRequest(Method.run, run, timeout: min(10, probeTimeout))
            expectProtocolError(answer, code: RPCError.invalidParams, to: "a run without work_dir", findings: &findings)
        } catch {
            findings.fail(.protocolErrors, "a run without work_dir was not answered: \(error.message)")
        }
        if await ended(process) {
            findings.fail(.protocolErrors, "the engine did not carry on after a run without work_dir: \(await endReason(process))")
            guard let next = await restart(transcript, process, sandbox: sandbox, findings: &findings) else { return }
            (transcript, process) = next
        }
        options.progress?("two cancels for an id never sent, then ping")
        await process.notify(Method.cancel, CancelParams(id: .int(Self.idNeverSent)))
        await process.notify(Method.cancel, CancelParams(id: .int(Self.idNeverSent)))
        do {
            try await process.ping(timeout: 10)
            findings.note(.unknownCancel, "ignored; a ping after them was answered")
        } catch {
            findings.fail(.unknownCancel, "after two cancels for id \(Self.idNeverSent), never sent, a ping was not answered: \(error.message)")
        }
        if await ended(process) {
            guard let next = await restart(transcript, process, sandbox: sandbox, findings: &findings) else { return }
            (transcript, process) = next
        }
        if let next = await cancelARunTwice(jobs, process, transcript: transcript, sandbox: sandbox, findings: &findings) {
            (transcript, process) = next
        }
        await closeStdinMidRun(jobs, process, findings: &findings)
        // Unanswered requests are expected here: stdin closed mid-run.
        await finish(transcript, process, findings: &findings, skipping: [], complete: false)
    }

    /// A `run` with no `work_dir`: not a run an engine can take.
    private struct MalformedRun: Codable, Sendable {
        var jobID: String
        var task: String
        var params: [String: JSONValue] = [:]
        var inputs: [String: String] = [:]
        var attempt = 1

        enum CodingKeys: String, CodingKey {
            case task, params, inputs, attempt
            case jobID = "job_id"
        }
    }

    /// An id far above any the check sends.
    static let idNeverSent = 1_000_000

    func ended(_ process: EngineProcess) async -> Bool {
        let killed = await process.killReason != nil
        let state = await process.state
        return killed || state != .ready
    }

    func endReason(_ process: EngineProcess) async -> String {
        if let killed = await process.killReason { return "killed because \(killed)" }
        return await process.exitReason ?? "it exited"
    }

    /// Reads the transcript of a process a probe ended (its kill was
    /// reported by the probe's rule), and starts a fresh one; nil, with
    /// `exit-on-stdin-eof` failed, if it cannot.
    func restart(
        _ transcript: Transcript, _ process: EngineProcess, sandbox: Sandbox, findings: inout Findings
    ) async -> (Transcript, EngineProcess)? {
        await process.shutdown()
        await finish(transcript, process, findings: &findings, skipping: [], complete: false, attributingKill: false)
        let fresh = Transcript()
        let next = makeProcess(fresh, sandbox: sandbox)
        do {
            try await next.start()
        } catch {
            findings.fail(.exitOnEOF, "not checked: a fresh start failed: \(error.message)")
            return nil
        }
        return (fresh, next)
    }

    /// A long run, then stdin closes mid-run: the engine must exit by itself.
    private func closeStdinMidRun(_ jobs: CheckJobs, _ process: EngineProcess, findings: inout Findings) async {
        let task = jobs.longTask
        guard let params = try? jobs.run(task, name: "eof-\(task)", long: true) else { return }
        options.progress?("run \(task), then close stdin")
        let firstProgress = AsyncSignal()
        let run = Task { try await process.run(params) { _ in firstProgress.fire() } }
        await firstProgress.wait(timeout: 1)
        await process.closeInput()
        let grace = manifest.timeouts.shutdownSeconds
        if await process.waitForExit(timeout: grace) {
            // Exited, but perhaps only because the host killed it (a stall
            // deadline can fire first on a loaded machine): that is no pass.
            if let killed = await process.killReason, Self.rule(brokenBy: killed) != nil {
                findings.skip(.exitOnEOF, because: "not checked: the engine was killed because \(killed)")
            } else if let killed = await process.killReason {
                findings.fail(.exitOnEOF, "did not exit by itself after stdin closed; the host killed it because \(killed)")
            } else {
                findings.note(.exitOnEOF, "exited with a run in flight")
            }
        } else {
            findings.fail(.exitOnEOF, "still running \(grace)s (timeouts.shutdown_s) after stdin closed")
            await process.kill(because: .ignoredStdinEOF)
            _ = await process.waitForExit(timeout: 10)
        }
        _ = await run.result
    }
}
