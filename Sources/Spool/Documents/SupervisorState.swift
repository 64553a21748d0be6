import Basics
import Foundation

/// `state/supervisor.json`: what a supervisor is, and what its engines are
/// doing, rewritten every few seconds (SPOOL.md).
public struct SupervisorState: Codable, Sendable, Equatable {
    public var host: String
    public var pid: Int32
    public var version: String
    public var startedAt: String
    public var updatedAt: String
    /// `running`, or `stopped` once it has exited.
    public var state: String
    public var engines: [Engine]
    /// GPU slots and their leases; empty until GPU leases are wired in.
    public var gpuLeases: [JSONValue]
    /// Folder (`new`, `cur`, `done`, `failed`) → how many jobs it holds.
    public var counts: [String: Int]
    /// How it watches the spool: `mode` (`inotify` or `poll`),
    /// `interval_ms` when polling, and `reason` (config.json, or the file
    /// system `auto` found).
    public var watch: WatchMode.Resolved?
    /// `--engines-only`: the only engines it takes jobs for; nil (absent): every engine.
    public var enginesOnly: [String]?

    public struct Engine: Codable, Sendable, Equatable {
        public var name: String
        /// `idle`, `busy`, `starting`, `stopped` (no instance now), `broken` (its manifest).
        public var state: String
        public var device: String?
        /// How many instances may run at once.
        public var maxInstances: Int
        public var instances: [Instance]
        /// Instances that died or failed to start, since the supervisor started.
        public var restarts: Int
        /// Jobs it finished (done or failed) for this supervisor.
        public var jobsServed: Int
        public var voices: [String]?

        public init(name: String, state: String, maxInstances: Int) {
            self.name = name
            self.state = state
            self.maxInstances = maxInstances
            instances = []
            restarts = 0
            jobsServed = 0
        }

        enum CodingKeys: String, CodingKey {
            case name, state, device, instances, restarts, voices
            case maxInstances = "max_instances"
            case jobsServed = "jobs_served"
        }
    }

    public struct Instance: Codable, Sendable, Equatable {
        public var id: Int
        public var state: String
        public var device: String?
        public var busy: Int
        public var served: Int

        public init(id: Int, state: String, device: String?, busy: Int, served: Int) {
            self.id = id
            self.state = state
            self.device = device
            self.busy = busy
            self.served = served
        }
    }

    public init(version: String, startedAt: String) {
        host = HostIdentity.name
        pid = getpid()
        self.version = version
        self.startedAt = startedAt
        updatedAt = startedAt
        state = "running"
        engines = []
        gpuLeases = []
        counts = [:]
    }

    enum CodingKeys: String, CodingKey {
        case host, pid, version, state, engines, counts, watch
        case enginesOnly = "engines_only"
        case startedAt = "started_at"
        case updatedAt = "updated_at"
        case gpuLeases = "gpu_leases"
    }

    /// Whether it takes jobs for `engine`.
    public func takes(_ engine: String) -> Bool {
        enginesOnly.map { $0.contains(engine) } ?? true
    }

    /// How often a running supervisor rewrites it (SPOOL.md).
    public static let publishInterval: Duration = .seconds(2)

    /// Older than this (by the writer's clock), it is gone.
    public static let staleAfter: TimeInterval = 15

    /// Whether the supervisor that wrote this still runs: it said so, and
    /// wrote within `staleAfter` seconds by our clock. Sound for this
    /// host's; another host's is judged by `Spool.liveSupervisors`.
    public func isLive(now: Date = Date(), staleAfter: TimeInterval = SupervisorState.staleAfter) -> Bool {
        guard state == "running", let updated = Timestamp.parse(updatedAt) else { return false }
        return now.timeIntervalSince(updated) < staleAfter
    }
}

extension Spool {
    /// This host's supervisor.json.
    public func supervisorState() -> SupervisorState? {
        state.read(SupervisorState.self, from: state.supervisorFile)
    }

    /// Every host's supervisor.json, by host.
    public func supervisorStates() -> [SupervisorState] {
        state.allHosts().compactMap { state.read(SupervisorState.self, from: $0.supervisorFile) }
    }
}
