import Basics
import Foundation

extension Spool {
    /// The engine an entry of `new/` wants, peeked as a supervisor peeks it
    /// before claiming (nil when its job.json cannot tell).
    public func pendingEngine(entry: String, config: SpoolConfig) -> String? {
        guard let info = FileSystem.info(path(of: .new, entry)), let submission = Submission.classify(entry, type: info.type) else {
            return nil
        }
        return JobSchedule.peek(
            submission, in: self, defaultPriority: config.priority, limits: config.limits, drops: JobSchedule.DropEngines(config)
        ).engine
    }

    /// Why a job in `new/` for `engine` is not being claimed, as the
    /// supervisors' own files tell: none runs, or every live one takes
    /// other engines only (`--engines-only`). Nil when a live supervisor
    /// takes it. Liveness is `liveSupervisors`': another host's supervisor
    /// whose clock is off from ours is watched for a few seconds.
    public func waitingReason(engine: String?, live: [SupervisorState]? = nil) -> String? {
        let live = (live ?? liveSupervisors()).sorted { $0.host < $1.host }
        guard !live.isEmpty else { return "no supervisor is running" }
        guard let engine, !live.contains(where: { $0.takes(engine) }) else { return nil }
        let others = live.map { "\($0.host) takes only \(($0.enginesOnly ?? []).joined(separator: ", "))" }
        return "no running supervisor takes engine \(engine) (\(others.joined(separator: "; "))); start one without --engines-only, or with \(engine) in it"
    }
}
