import Basics
import EngineProtocol
import Foundation
import Logging
import Spool
import Webhooks

extension JobRunner {
    /// Ends an attempt that failed: another attempt (back to `new/`) if the
    /// error allows and attempts remain, else `failed/` with error.json.
    func conclude(_ attempt: Attempt, error: JobError, job: PreparedJob?) -> Outcome {
        let claimed = attempt.claimed
        let logger = attempt.logger
        var attempts = attempt.history
        guard stillOwned(attempt) else { return lostOwnership(attempt) }
        var error = error
        if cancellations.isRequested(claimed.id) {
            error = JobError(.cancelled, "cancelled by request (audiospool cancel, or a file in cancel/)")
        } else if Task.isCancelled {
            // The supervisor is stopping: this attempt does not count.
            attempts.removeLast()
            let outcome = requeue(attempt, history: attempts, reason: "shutdown")
            if case .requeued(let entry) = outcome { noteInterrupted(claimed.id, engine: job?.manifest.name, entry: entry) }
            return outcome
        }
        attempts[attempts.count - 1].endedAt = Timestamp.now()
        attempts[attempts.count - 1].error = error.reason
        let maxAttempts = job?.maxAttempts ?? config.maxAttempts
        // The circuit breaker: a job that keeps killing its engine stops here.
        let kills = attempts.filter { [.engineCrashed, .timeout].contains($0.error?.kind) }.count
        let poison = kills >= config.poisonAfter && [.engineCrashed, .timeout].contains(error.kind)
        if poison {
            error.message = "poison job: it has killed engine \(job?.manifest.name ?? "?") \(kills) times, so it is not run again; the last time: \(error.message)"
        }
        if error.kind.isRetryable && attempts.count < maxAttempts && !poison && !error.exhausted {
            let delay = config.retryDelay(afterAttempt: attempts.count)
            attempts[attempts.count - 1].retryAt = Timestamp.string(Date().addingTimeInterval(delay))
            logger.warning(
                "attempt failed; will retry",
                metadata: [
                    "attempt": "\(attempts.count)", "kind": "\(error.kind.rawValue)", "error": "\(error.message)",
                    "retry_in_s": "\(delay.rounded(toPlaces: 2))",
                ])
            let outcome = requeue(attempt, history: attempts, reason: error.kind.rawValue)
            if case .requeued(let entry) = outcome {
                noteRetried(claimed.id, engine: job?.manifest.name, attempt: attempts.count, error: error, retryAt: attempts.last?.retryAt, entry: entry)
            }
            return outcome
        }
        logger.error("failed", metadata: ["kind": "\(error.kind.rawValue)", "error": "\(error.message)", "poison": "\(poison)"])
        var failure = JobFailure(
            id: claimed.id, error: error.reason, attempts: attempts.count, history: attempts,
            engine: job?.manifest.name, failedAt: Timestamp.now(), metadata: job?.spec.metadata)
        failure.poison = poison ? true : nil
        failure.line = error.line
        // Fenced like a result: from this claim's private name, or not at all.
        guard let folder = spool.takeForFinishing(claimed.id, token: claimed.token) else { return lostOwnership(attempt) }
        // A job that failed before it was prepared may still have asked for a webhook.
        let webhook = job?.spec.webhook ?? (try? folder.readSpec(limits: config.limits))?.webhook
        do {
            try folder.write(failure, to: folder.errorFile, durable: config.durable)
            // A line that failed keeps the segments made so far, for `audiospool retry`.
            let keep = error.line != nil && error.kind != .cancelled
            try tidy(folder, keepAttempts: false, keepSegments: keep)
            if config.durable { try folder.sync(files: []) }
            if keep { try spool.keepSegmentsForRetry(folder, durable: config.durable) } else { spool.forgetCarried(folder) }
            let finalID = try spool.move(folder.path, into: .failed, preferring: claimed.id, durable: config.durable)
            noteFailed(
                finalID, engine: job?.manifest.name, attempt: attempts.count, error: error, poison: poison,
                claimedAt: attempts.last.flatMap { Timestamp.parse($0.startedAt) })
            webhooks?.jobEnded(finalID, event: .failed, webhook: webhook, document: failure)
        } catch {
            // The folder stays in cur/ (under its private name) with its owner; recovery retries it.
            logger.critical("cannot move the job to failed/", metadata: ["error": "\(error)"])
            return .stranded
        }
        return .failed
    }

    private func requeue(_ attempt: Attempt, history: [AttemptRecord], reason: String) -> Outcome {
        guard let folder = spool.takeForFinishing(attempt.id, token: attempt.claimed.token) else { return lostOwnership(attempt) }
        do {
            var carried = spool.carried(folder) ?? CarriedRecord(id: attempt.id)
            carried.attempts = history
            try spool.save(carried, for: folder, durable: config.durable)
            try tidy(folder, keepAttempts: true)
            return .requeued(try spool.move(folder.path, into: .new, preferring: attempt.id, durable: config.durable))
        } catch {
            attempt.logger.critical("cannot put the job back in new/", metadata: ["error": "\(error)"])
            return .stranded
        }
    }

    /// Removes what only mattered while the job ran.
    func tidy(_ folder: JobFolder, keepAttempts: Bool, keepSegments: Bool = false) throws(FileSystemError) {
        let directory = try folder.directory()
        try spool.removePlanted("work", from: directory)
        try folder.removeInterruptedWrites()
        try directory.remove("status.json")
        try directory.remove("owner.json")
        // Finished segments stay for the next attempt; a failed job drops them.
        if !keepAttempts {
            try directory.remove("attempts.json")
            if !keepSegments { try spool.removePlanted("segments", from: directory) }
        }
    }
}
