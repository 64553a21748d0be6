import EngineHost
import EngineProtocol
import Foundation

extension CheckSteps {
    /// Two runs at once, for an engine that takes two or more: each is
    /// answered with outputs in its own work folder, and neither waits for
    /// the other (seen in the order of their progress and answers).
    func concurrentRuns(concurrency: Int, findings: inout Findings) async {
        guard concurrency >= 2 else {
            findings.note(.concurrency, "concurrency \(concurrency): the host sends one run at a time")
            return
        }
        guard await alive() else {
            findings.skip(.concurrency, because: "not checked: the engine has exited")
            return
        }
        let task = jobs.longTask
        guard let first = try? jobs.run(task, name: "together-1"), let second = try? jobs.run(task, name: "together-2") else { return }
        say("two runs of \(task) at once (concurrency \(concurrency))")
        let runs = [first, second].map { params in Task { () -> Result<RunResult, EngineError> in
            do throws(EngineError) { return .success(try await timedRun(params)) } catch { return .failure(error) }
        } }
        for (params, run) in zip([first, second], runs) {
            switch await run.value {
            case .success(let result): inspect(result, task: task, work: params.workDir, findings: &findings, rule: .concurrency)
            case .failure(let error):
                findings.fail(.concurrency, "of two runs at once, \(params.jobID) failed: \(error.kind.rawValue): \(error.message)")
            }
        }
        let positions = [transcript.run(first.jobID), transcript.run(second.jobID)]
        let answers = positions.compactMap(\.answer)
        guard answers.count == 2 else { return }
        let earlier = answers[0] < answers[1] ? 0 : 1
        let (done, other) = (positions[earlier], positions[1 - earlier])
        let spokeMeanwhile = (other.progress.first?.index ?? Int.max) < answers[earlier]
        // Progress below 1 before its answer: the engine reports progress as it works, so the other run would have too.
        let reportsAsItWorks = done.progress.contains { $0.index < answers[earlier] && $0.value < 1 }
        if spokeMeanwhile {
            findings.note(.concurrency, "two runs at once were worked on together")
        } else if reportsAsItWorks {
            findings.fail(
                .concurrency,
                "of two runs sent at once, the second reported nothing until the first was answered: the engine took one at a time, though it declares concurrency \(concurrency)")
        } else {
            findings.note(.concurrency, "two runs at once were answered; neither reported progress as it worked, so whether they overlapped cannot be seen")
        }
    }

    /// A long run, then `shutdown` with stdin left open: the run must be
    /// answered, and the engine must answer `shutdown` and exit.
    func shutdownWithARunInFlight(findings: inout Findings) async {
        let task = jobs.longTask
        let params = try? jobs.run(task, name: "shutdown-\(task)", long: true)
        let firstProgress = AsyncSignal()
        let run = params.map { params in Task { try await process.run(params) { _ in firstProgress.fire() } } }
        if run != nil { await firstProgress.wait(timeout: 0.5) }
        say("shutdown with a run in flight (stdin left open)")
        await process.shutdown(closingInput: false)
        if let reason = await process.killReason {
            findings.fail(.exitOnShutdown, reason.description)
        } else {
            findings.note(.exitOnShutdown, "answered and exited")
        }
        guard let run else {
            findings.skip(.shutdownAnswersRuns, because: "not checked: no run could be prepared")
            return
        }
        let outcome = await run.result
        if let reason = await process.killReason {
            findings.skip(.shutdownAnswersRuns, because: "not checked: the engine was killed because \(reason)")
            return
        }
        switch outcome {
        case .success:
            findings.note(.shutdownAnswersRuns, "the run in flight was answered with its result")
        case .failure(let error as EngineError) where error.kind == .cancelled:
            findings.note(.shutdownAnswersRuns, "the run in flight was answered cancelled")
        case .failure(let error as EngineError) where error.kind == .engineCrashed:
            findings.fail(.shutdownAnswersRuns, "the engine exited without answering the run in flight at shutdown; stop it as for a cancel and answer it first")
        case .failure(let error as EngineError):
            findings.fail(.shutdownAnswersRuns, "the run in flight at shutdown was answered with \(error.kind.rawValue): \(error.message); expected cancelled (or its result)")
        case .failure(let error):
            findings.fail(.shutdownAnswersRuns, "\(error)")
        }
    }
}
