import Basics
import Foundation

extension Spool {
    /// The supervisor.json of `host`'s supervisor, and the file it came
    /// from: `state/hosts/<host>/supervisor.json` where supervisors keep
    /// per-host state, else `state/supervisor.json` when `host` wrote it
    /// last. Nil if neither is that host's. `audiospool health` judges its
    /// heartbeat (`updated_at`, `isLive`); this is the one place that finds it.
    public func supervisorState(ofHost host: String) -> (state: SupervisorState, file: String)? {
        for file in [state.path + "/hosts/" + host + "/supervisor.json", state.supervisorFile] {
            if let found = state.read(SupervisorState.self, from: file), found.host == host { return (found, file) }
        }
        return nil
    }
}
