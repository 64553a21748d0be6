import Foundation
import Spool

/// What `explain` shows of one job: its events and its files.
struct JobHistory: Encodable {
    var id: String
    var state: String
    var folder: String?
    var events: [SpoolEvent]
    var attempts: [AttemptRecord]
    var status: JobStatus?
    var result: JobResult?
    var error: JobFailure?
    /// For a job in new/: the engine it wants, and why no supervisor claims it.
    var engine: String?
    var waiting: String?

    init(spool: Spool, id: String, events: [SpoolEvent], state: Spool.JobState?) {
        self.id = id
        self.events = events
        self.state = state?.name ?? "gone"
        attempts = []
        switch state {
        case .pending(let entry, let attempts, _)?:
            folder = "new/\(entry)"
            self.attempts = attempts
            engine = spool.pendingEngine(entry: entry, config: (try? spool.loadConfig()) ?? SpoolConfig())
            waiting = spool.waitingReason(engine: engine)
        case .running(let status)?:
            folder = "cur/\(id)"
            self.status = status
            attempts = JobFolder(path: spool.path(of: .cur, id)).attempts()
        case .done(let result)?:
            folder = "done/\(id)"
            self.result = result
        case .failed(let failure)?:
            folder = "failed/\(id)"
            error = failure
            attempts = failure?.history ?? []
        case nil:
            folder = nil
        }
    }

    func rendered() -> String {
        var out = "\(id): \(state)" + (folder.map { " (\($0))" } ?? " (no longer in the spool; cleaned, or never here)") + "\n"
        out += "\nevents\n"
        if events.isEmpty { out += "  none in state/hosts/*/events.jsonl\n" }
        for event in events { out += "  \(event.time)  \(Self.describe(event))\n" }
        if !attempts.isEmpty {
            out += "\nattempts\n"
            for attempt in attempts {
                var line = "  \(attempt.number)  \(attempt.host) pid \(attempt.pid)  \(attempt.startedAt) → \(attempt.endedAt ?? "…")"
                if let error = attempt.error { line += "  \(error.kind.rawValue): \(error.message)" }
                if let retryAt = attempt.retryAt { line += "  (retry at \(retryAt))" }
                out += line + "\n"
            }
        }
        if let waiting {
            out += "\nwaiting: \(waiting)\n"
        }
        if let status {
            out += "\nnow: \(status.state.rawValue) on \(status.engine), \(Int(status.progress * 100))%, attempt \(status.attempt)\n"
        }
        if let result {
            out += "\nresult: \(result.engine.name) \(result.engine.version) on \(result.device), \(result.attempts) attempt(s), \(result.timings.totalSeconds)s"
            out += result.cached == true ? ", from the result of \(result.cachedFrom ?? "?")\n" : "\n"
            for output in result.outputs {
                out += "  \(output.path)  \(output.format) \(output.sampleRate) Hz \(output.channels) ch \(String(format: "%.3f", output.durationSeconds)) s\n"
            }
        }
        if let error {
            out += "\nerror: \(error.error.kind.rawValue) after \(error.attempts) attempt(s): \(error.error.message)\n"
            if error.poison == true { out += "  poison: it killed its engine too often to be run again\n" }
        }
        return out
    }

    static func describe(_ event: SpoolEvent) -> String {
        var parts = [event.event.rawValue]
        if let attempt = event.attempt { parts.append("attempt \(attempt)") }
        if let engine = event.engine { parts.append("on \(engine)") }
        if let progress = event.progress { parts.append("\(Int(progress * 100))%") }
        if let seconds = event.seconds { parts.append("after \(seconds)s") }
        if let kind = event.kind { parts.append("\(kind):") }
        if let message = event.message { parts.append(message) }
        if let retryAt = event.retryAt { parts.append("(retry at \(retryAt))") }
        if let entry = event.entry { parts.append("[new/\(entry)]") }
        parts.append("(\(event.host) pid \(event.pid))")
        return parts.joined(separator: " ")
    }
}
