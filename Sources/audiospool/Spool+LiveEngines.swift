import Spool

extension Spool {
    /// The engines of the supervisor running on this spool, by name, from
    /// state/supervisor.json; empty when none runs.
    func liveEngines() -> [String: SupervisorState.Engine] {
        guard let state = supervisorState(), state.isLive() else { return [:] }
        return Dictionary(state.engines.map { ($0.name, $0) }) { first, _ in first }
    }
}
