import Basics
import Foundation
import Spool

extension JobRunner {
    /// The claim checked against `--engines-only`. The queue peeked at the
    /// job's engine before claiming, but job.json is the submitter's until
    /// the claim and may name another engine by now: such a job goes back to
    /// `new/` as it came (nothing written, no attempt counted), for a
    /// supervisor that runs its engine. Nil: the job is ours to run.
    func returnIfForOthers(_ claimed: ClaimedJob) -> Outcome? {
        guard let filter = enginesOnly else { return nil }
        switch claimed.submission.kind {
        case .jobFile, .jobDirectory: break
        case .text, .audio, .rejected: return nil  // the spool's engine, or no engine, as peeked
        }
        let data = try? ConfinedDirectory(path: claimed.directory).read("job.json", limit: config.limits.maxJobBytes)
        guard let engine = data.flatMap({ try? JSONDecoder().decode(EngineField.self, from: $0) })?.engine,
              !filter.accepts(engine)
        else { return nil }
        do {
            let entry = try spool.requeue(claimed.id, durable: config.durable)
            logger.info(
                "returned a job to new/: its job.json changed to an engine this supervisor does not run (--engines-only)",
                metadata: ["job": "\(claimed.id)", "engine": "\(engine)", "engines_only": "\(filter)"])
            return .requeued(entry)
        } catch {
            // Running it beats stranding it.
            logger.error("cannot return a job for another engine to new/; running it here", metadata: ["job": "\(claimed.id)", "error": "\(error)"])
            return nil
        }
    }

    private struct EngineField: Decodable {
        var engine: String?
    }
}
