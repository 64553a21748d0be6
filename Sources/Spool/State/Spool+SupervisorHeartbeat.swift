import Basics
import Foundation

extension Spool {
    /// The supervisor.json of `host`'s supervisor, and the file it came
    /// from: `state/hosts/<host>/supervisor.json`, else the single-host
    /// `state/supervisor.json` of an older supervisor when `host` wrote it.
    /// Nil if neither is that host's. `audiospool health` judges its
    /// heartbeat (`updated_at`, `isLive`); this is the one place that finds it.
    public func supervisorState(ofHost host: String) -> (state: SupervisorState, file: String)? {
        for file in [state.host(host).supervisorFile, state.legacySupervisorFile] {
            if let found = state.read(SupervisorState.self, from: file), found.host == host { return (found, file) }
        }
        return nil
    }
}
