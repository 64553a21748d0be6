import Basics
import Foundation
import Glibc

extension Spool {
    /// Makes this host's `state/hosts/<host>/` (and its `logs/`), and
    /// removes the single-host layout's supervisor.json and metrics.prom:
    /// both would go on showing a supervisor that is gone (node_exporter
    /// would export the stale metrics for ever). The old events.jsonl and
    /// logs/ stay where they are, for `explain` and for people.
    public func prepareHostState() throws(FileSystemError) {
        try FileSystem.createDirectories(state.thisHost.logs)
        unlink(state.legacySupervisorFile)
        unlink(state.legacyMetricsFile)
    }
}
