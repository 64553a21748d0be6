import EngineHost
import EngineProtocol

extension EngineCheck {
    /// A run cancelled and answered, then the same cancel again, as a
    /// host's cancel may cross the answer: the engine must ignore it and
    /// still answer a ping (`unknown-cancel-ignored`). Returns a fresh
    /// process if the old one ended.
    func cancelARunTwice(
        _ jobs: CheckJobs, _ process: EngineProcess, transcript: Transcript, sandbox: Sandbox, findings: inout Findings
    ) async -> (Transcript, EngineProcess)? {
        let task = jobs.longTask
        guard let params = try? jobs.run(task, name: "cancel-twice-\(task)", long: true) else { return nil }
        options.progress?("run \(task), cancel it, then the same cancel again")
        let firstProgress = AsyncSignal()
        let run = Task { try await process.run(params) { _ in firstProgress.fire() } }
        await firstProgress.wait(timeout: 1)
        let id = await process.lastRunID
        run.cancel()
        _ = await run.result
        // An engine that ignores cancel was killed for it: `cancel-honoured`
        // reports that, and the repeat is not sent.
        guard let id, await !ended(process) else {
            return await restart(transcript, process, sandbox: sandbox, findings: &findings)
        }
        await process.notify(Method.cancel, CancelParams(id: .int(id)))
        do {
            try await process.ping(timeout: 10)
            findings.note(.unknownCancel, "a run's cancel sent again after its answer was ignored")
        } catch {
            findings.fail(
                .unknownCancel,
                "a run (id \(id)) was cancelled and answered; the same cancel again was not ignored: \(await endReason(process))")
        }
        return await ended(process) ? await restart(transcript, process, sandbox: sandbox, findings: &findings) : nil
    }
}
