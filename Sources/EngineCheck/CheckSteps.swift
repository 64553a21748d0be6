import EngineHost
import EngineProtocol
import Foundation

/// The steps of the main session after the handshake, each feeding the
/// rules it shows.
struct CheckSteps {
    let check: EngineCheck
    let process: EngineProcess
    let jobs: CheckJobs
    /// The lines of `process`, to tell what came first.
    let transcript: Transcript

    var manifest: EngineManifest { check.manifest }

    func say(_ text: String) { check.options.progress?(text) }

    func alive() async -> Bool {
        let killed = await process.killReason != nil
        return await process.state == .ready && !killed
    }

    /// One run per task; its outputs must be WAV files in the work folder.
    mutating func runEveryTask(findings: inout Findings) async {
        for task in manifest.tasks.keys.sorted() {
            guard await alive() else {
                findings.fail(.outputs, "task \(task) not run: the engine has exited (\(await process.exitReason ?? "?"))")
                continue
            }
            let params: RunParams
            do {
                params = try jobs.run(task, name: task)
            } catch {
                findings.fail(.outputs, "cannot prepare a job for task \(task): \(error)")
                continue
            }
            say("run \(task)")
            do {
                let result = try await timedRun(params)
                inspect(result, task: task, work: params.workDir, findings: &findings)
            } catch {
                var hint = ""
                if error.kind == .badInput && check.options.params.isEmpty && check.options.taskParams[task] == nil {
                    hint = " (if the engine needs params, pass --params or --task-params \(task)=JSON)"
                }
                findings.fail(.outputs, "task \(task) failed: \(error.kind.rawValue): \(error.message)\(hint)")
            }
        }
        if !findings.saw(.words) { findings.note(.words, "no run gave words (they are optional)") }
    }

    /// A run, cancelled if it takes longer than the check's `runTimeout`
    /// (a check should not wait out a generous `timeouts.run_s`).
    func timedRun(_ params: RunParams) async throws(EngineError) -> RunResult {
        let limit = check.options.runTimeout
        let run = Task { try await process.run(params) }
        let timer = Task {
            try? await Task.sleep(for: .seconds(limit))
            if !Task.isCancelled { run.cancel() }
        }
        let outcome = await run.result
        let timedOut = timer.isCancelled == false && run.isCancelled
        timer.cancel()
        switch outcome {
        case .success(let result):
            return result
        case .failure(let error):
            if timedOut { throw EngineError(.timeout, "the run did not finish within \(limit)s (the check's --run-timeout)") }
            throw (error as? EngineError) ?? EngineError(.internal, "\(error)")
        }
    }

    func inspect(_ result: RunResult, task: String, work: String, findings: inout Findings, rule: CheckRule = .outputs) {
        guard !result.outputs.isEmpty else {
            findings.fail(rule, "task \(task) answered with no outputs")
            return
        }
        if manifest.tasks[task]?.segmentation != nil && result.outputs.count != 1 {
            findings.fail(rule, "task \(task) is segmented, so each run must answer with exactly one output, not \(result.outputs.count)")
        }
        let root = URL(fileURLWithPath: work).resolvingSymlinksInPath().path
        for output in result.outputs {
            guard OutputFile.isValidName(output.name) else {
                let reserved = OutputFile.reservedNames.sorted().joined(separator: ", ")
                findings.fail(rule, "task \(task): output name \"\(output.name)\" must be 1–64 letters, digits, _ or -, and not one of \(reserved)")
                continue
            }
            let candidate = output.path.hasPrefix("/") ? output.path : work + "/" + output.path
            let path = URL(fileURLWithPath: candidate).resolvingSymlinksInPath().path
            guard path.hasPrefix(root + "/") else {
                findings.fail(rule, "task \(task): output \"\(output.path)\" is outside the work folder")
                continue
            }
            guard FileManager.default.fileExists(atPath: path) else {
                findings.fail(rule, "task \(task): output \"\(output.path)\" does not exist")
                continue
            }
            if let problem = WavInspection.problem(at: path) {
                findings.fail(rule, "task \(task): output \"\(output.path)\" \(problem)")
            } else {
                findings.note(rule, "\(task) → \(output.name) (\(WavInspection.describe(path)))")
            }
        }
        inspectWords(result, task: task, work: work, findings: &findings)
    }

    /// A task the engine does not have: it must answer with an error of a valid kind.
    func runUnknownTask(findings: inout Findings) async {
        guard await alive(), let params = try? jobs.run("audiospool-check-no-such-task", name: "unknown-task") else { return }
        say("run an unknown task (an error is expected)")
        do {
            _ = try await timedRun(params)
            findings.fail(.errorKinds, "a run of an unknown task was answered with a result, not an unsupported error")
        } catch {
            if error.kind == .engineCrashed || error.kind == .timeout {
                findings.fail(.errorKinds, "a run of an unknown task was not answered with an error: \(error.message)")
            }
        }
    }

    /// How long after the cancel a result may still come and count as
    /// having won the race: it was already written when the cancel left.
    static let raceWindow: Duration = .milliseconds(250)

    /// A long run: a ping while it is in flight, then a cancel. The ping
    /// must be answered before the run; the run's answer (a `cancelled`
    /// error, or the result if it won the race) must come within
    /// `timeouts.cancel_s`, and the engine must carry on.
    func cancelARun(findings: inout Findings) async {
        guard await alive() else {
            findings.skip(.cancel, because: "not checked: the engine has exited")
            findings.skip(.pingDuringRun, because: "not checked: the engine has exited")
            return
        }
        let task = jobs.longTask
        guard let params = try? jobs.run(task, name: "cancel-\(task)", long: true) else { return }
        say("run \(task), ping, then cancel the run")
        let firstProgress = AsyncSignal()
        let run = Task { try await process.run(params) { _ in firstProgress.fire() } }
        await firstProgress.wait(timeout: 0.5)
        let pinged = AsyncSignal()
        let ping = Task { () -> EngineError? in
            defer { pinged.fire() }
            do throws(EngineError) { try await process.ping(timeout: 10) } catch { return error }
            return nil
        }
        // An engine that answers ping only between runs gets a cancel after 3 s, so that it answers at last.
        await pinged.wait(timeout: 3)
        let cancelledAt = ContinuousClock.now
        run.cancel()
        let outcome = await run.result
        let took = ContinuousClock.now - cancelledAt
        let pingError = await ping.value
        checkPing(during: params.jobID, error: pingError, findings: &findings)
        if let reason = await process.killReason {
            findings.fail(.cancel, "the engine was killed: \(reason)")
            return
        }
        switch outcome {
        case .success where took > Self.raceWindow:
            // A result already on its way when the cancel was sent arrives
            // within milliseconds; one much later means the engine worked on.
            let after = took.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow))
            findings.fail(
                .cancel,
                "the run was answered with its result \(after) after the cancel was sent; an engine that honours cancel stops and answers cancelled")
        case .success:
            findings.note(.cancel, "the run finished as the cancel was sent (a race PROTOCOL.md allows)")
        case .failure(let error as EngineError) where error.kind == .cancelled:
            findings.note(.cancel, "answered cancelled in \(took.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))")
        case .failure(let error as EngineError):
            findings.fail(.cancel, "a cancelled run was answered with \(error.kind.rawValue): \(error.message); expected cancelled (or its result)")
        case .failure(let error):
            findings.fail(.cancel, "\(error)")
        }
    }

    /// The ping sent during run `jobID` must be answered, and before the run.
    private func checkPing(during jobID: String, error: EngineError?, findings: inout Findings) {
        if let error {
            findings.fail(.pingDuringRun, "a ping sent while a run was in flight was not answered with {}: \(error.message)")
            return
        }
        let run = transcript.run(jobID)
        let ping = transcript.positions(of: Method.ping, after: run.request?.index ?? -1)
        guard let pingSent = ping.request?.index, let pingAnswered = ping.answer else { return }
        if let runAnswered = run.answer, runAnswered < pingSent {
            findings.note(.pingDuringRun, "the run had ended before the ping was sent; the ping was answered")
        } else if let runAnswered = run.answer, runAnswered < pingAnswered {
            findings.fail(.pingDuringRun, "a ping sent during a run was answered only after the run; ping is answered at once, runs or not")
        } else {
            findings.note(.pingDuringRun, "answered while a run was in flight")
        }
    }

    /// A run with a param no engine takes: `bad_input`, naming it, and the engine carries on.
    func badParams(findings: inout Findings) async {
        guard await alive(), let task = manifest.tasks.keys.sorted().first, var params = try? jobs.run(task, name: "bad-params") else {
            findings.skip(.badParams, because: "not checked: the engine has exited")
            return
        }
        let name = CheckJobs.unknownParam
        params.params[name] = true
        say("run \(task) with an unknown param (bad_input is expected)")
        do {
            _ = try await timedRun(params)
            findings.fail(.badParams, "a run with param \"\(name)\", which the engine does not take, was answered with a result; answer it with bad_input naming the param")
        } catch {
            if error.kind != .badInput {
                findings.fail(.badParams, "a run with param \"\(name)\", which the engine does not take, was answered with \(error.kind.rawValue): \(error.message); expected bad_input")
            } else if !error.message.contains(name) {
                findings.fail(.badParams, "the bad_input answer to param \"\(name)\" does not name it: \(error.message)")
            } else {
                findings.note(.badParams, "bad_input: \(error.message)")
            }
        }
        if await !alive() { findings.fail(.badParams, "the engine did not carry on after the run: \(await process.exitReason ?? "it exited")") }
    }

    func ping(findings: inout Findings) async {
        guard await alive() else { return }
        say("ping")
        do {
            try await process.ping(timeout: 10)
        } catch {
            findings.fail(.oneResponse, "ping after the runs was not answered with {}: \(error.message)")
        }
    }
}
