import EngineHost
import EngineProtocol
import Foundation

/// The steps of the main session after the handshake, each feeding the
/// rules it shows.
struct CheckSteps {
    let check: EngineCheck
    let process: EngineProcess
    let jobs: CheckJobs

    var manifest: EngineManifest { check.manifest }

    private func say(_ text: String) { check.options.progress?(text) }

    private func alive() async -> Bool {
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
                if error.kind == .badInput && check.options.params.isEmpty { hint = " (if the engine needs params, pass --params)" }
                findings.fail(.outputs, "task \(task) failed: \(error.kind.rawValue): \(error.message)\(hint)")
            }
        }
    }

    /// A run, cancelled if it takes longer than the check's `runTimeout`
    /// (a check should not wait out a generous `timeouts.run_s`).
    private func timedRun(_ params: RunParams) async throws(EngineError) -> RunResult {
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

    private func inspect(_ result: RunResult, task: String, work: String, findings: inout Findings) {
        guard !result.outputs.isEmpty else {
            findings.fail(.outputs, "task \(task) answered with no outputs")
            return
        }
        if manifest.tasks[task]?.segmentation != nil && result.outputs.count != 1 {
            findings.fail(.outputs, "task \(task) is segmented, so each run must answer with exactly one output, not \(result.outputs.count)")
        }
        let root = URL(fileURLWithPath: work).resolvingSymlinksInPath().path
        for output in result.outputs {
            guard OutputFile.isValidName(output.name) else {
                let reserved = OutputFile.reservedNames.sorted().joined(separator: ", ")
                findings.fail(.outputs, "task \(task): output name \"\(output.name)\" must be 1–64 letters, digits, _ or -, and not one of \(reserved)")
                continue
            }
            let candidate = output.path.hasPrefix("/") ? output.path : work + "/" + output.path
            let path = URL(fileURLWithPath: candidate).resolvingSymlinksInPath().path
            guard path.hasPrefix(root + "/") else {
                findings.fail(.outputs, "task \(task): output \"\(output.path)\" is outside the work folder")
                continue
            }
            guard FileManager.default.fileExists(atPath: path) else {
                findings.fail(.outputs, "task \(task): output \"\(output.path)\" does not exist")
                continue
            }
            if let problem = WavInspection.problem(at: path) {
                findings.fail(.outputs, "task \(task): output \"\(output.path)\" \(problem)")
            } else {
                findings.note(.outputs, "\(task) → \(output.name) (\(WavInspection.describe(path)))")
            }
        }
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

    /// A long run, cancelled after its first progress (or 0.5 s): the answer
    /// (a `cancelled` error, or the result if it won the race) must come
    /// within `timeouts.cancel_s`, and the engine must carry on.
    func cancelARun(findings: inout Findings) async {
        guard await alive() else {
            findings.skip(.cancel, because: "not checked: the engine has exited")
            return
        }
        let task = jobs.longTask
        guard let params = try? jobs.run(task, name: "cancel-\(task)", long: true) else { return }
        say("run \(task), then cancel it")
        let firstProgress = AsyncSignal()
        let run = Task { try await process.run(params) { _ in firstProgress.fire() } }
        await firstProgress.wait(timeout: 0.5)
        let cancelledAt = ContinuousClock.now
        run.cancel()
        let outcome = await run.result
        let took = ContinuousClock.now - cancelledAt
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
