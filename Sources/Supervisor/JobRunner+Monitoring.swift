import Basics
import Foundation
import Spool

/// What JobRunner reports as jobs move: a line in `state/events.jsonl` for
/// every transition, and the supervisor's metrics.
extension JobRunner {
    /// Written once the attempt is recorded, but stamped with the claim's
    /// own time: pick-up latency is the time to the claiming rename.
    func noteClaimed(_ id: String, attempt: Int, at claimedAt: Date) {
        spool.record(.claimed, job: id) { event in
            event.attempt = attempt
            event.time = Timestamp.string(claimedAt)
        }
    }

    /// 25%, 50%, 75%: enough to see a job move without a line per update.
    func noteProgress(_ id: String, engine: String, attempt: Int, progress: Double) {
        spool.record(.progress, job: id) { event in
            event.engine = engine
            event.attempt = attempt
            event.progress = progress
        }
    }

    func noteDone(_ result: JobResult, finalID: String, engine: String) {
        spool.record(.done, job: finalID) { event in
            event.engine = engine
            event.attempt = result.attempts
            event.seconds = result.timings.totalSeconds
            if result.cached == true { event.message = "from the result of \(result.cachedFrom ?? "an earlier job")" }
        }
        monitor?.jobFinished(engine: engine, outcome: "done", seconds: result.timings.totalSeconds)
        if result.cached != true, let audio = result.outputs.map(\.durationSeconds).max() {
            monitor?.metrics.produced(engine: engine, audioSeconds: audio, engineSeconds: result.timings.engineSeconds)
        }
    }

    func noteRetried(_ id: String, engine: String?, attempt: Int, error: JobError, retryAt: String?, entry: String) {
        spool.record(.retried, job: id) { event in
            event.engine = engine
            event.attempt = attempt
            event.kind = error.kind.rawValue
            event.message = error.message
            event.retryAt = retryAt
            if entry != id { event.entry = entry }
        }
        monitor?.metrics.retried(engine: engine ?? "unknown", kind: error.kind.rawValue)
    }

    func noteInterrupted(_ id: String, engine: String?, entry: String) {
        spool.record(.interrupted, job: id) { event in
            event.engine = engine
            event.message = "the supervisor stopped; the attempt does not count"
            if entry != id { event.entry = entry }
        }
    }

    func noteFailed(_ id: String, engine: String?, attempt: Int, error: JobError, poison: Bool, claimedAt: Date?) {
        let cancelled = error.kind == .cancelled
        let seconds = claimedAt.map { Date().timeIntervalSince($0).rounded(toPlaces: 4) }
        spool.record(cancelled ? .cancelled : .failed, job: id) { event in
            event.engine = engine
            event.attempt = attempt
            event.kind = error.kind.rawValue
            event.message = error.message
            event.seconds = seconds
        }
        let name = engine ?? "unknown"
        monitor?.jobFinished(engine: name, outcome: cancelled ? "cancelled" : "failed", seconds: nil)
        if poison { monitor?.metrics.poison(engine: name) }
    }
}
