import Basics
import Foundation

extension Spool {
    /// `state/`: the supervisors' own files (SPOOL.md, "The supervisors'
    /// own files: `state/`"). Every path under it is named here, so no
    /// module builds one by joining strings.
    public struct State: Sendable, Equatable {
        /// The `state/` folder itself.
        public let path: String

        public init(path: String) {
            self.path = path
        }

        /// Each host's own files: `hosts/<host>/`. Only that host's
        /// supervisors (and CLI) write there, so no file is written by two
        /// hosts, and nothing relies on O_APPEND across a network file system.
        public var hosts: String { path + "/hosts" }
        public func host(_ name: String) -> Host { Host(path: hosts + "/" + name, name: name) }
        /// This host's files (HostIdentity.name).
        public var thisHost: Host { host(HostIdentity.name) }
        /// Every host that has a folder under `hosts/`, by name.
        public func allHosts() -> [Host] {
            ((try? FileSystem.list(hosts)) ?? []).filter { !$0.hasPrefix(".") }.sorted().map(host)
        }

        /// What this host's supervisor publishes about itself and its engines.
        public var supervisorFile: String { thisHost.supervisorFile }
        /// The same as Prometheus text, for node_exporter's textfile collector.
        public var metricsFile: String { thisHost.metricsFile }
        /// This host's log of job transitions, one JSON object a line.
        public var eventsFile: String { thisHost.eventsFile }
        /// This host's engines' stderr, one file per engine.
        public var logs: String { thisHost.logs }
        public func log(engine: String) -> String { thisHost.log(engine: engine) }

        /// The single-host layout of earlier versions, read by `explain`
        /// (events) and removed on start (supervisor.json, metrics.prom:
        /// they would show a supervisor that is gone).
        public var legacySupervisorFile: String { path + "/supervisor.json" }
        public var legacyMetricsFile: String { path + "/metrics.prom" }
        public var legacyEventsFile: String { path + "/events.jsonl" }
        public var legacyLogs: String { path + "/logs" }

        /// The idempotency index.
        public var results: String { path + "/results" }
        public var resultIndex: ResultIndex { ResultIndex(directory: results) }

        /// The supervisor's own record of each job it put back in `new/`,
        /// named by the job folder's inode.
        public var carried: String { path + "/carried" }
        public func carried(inode: UInt64) -> String { carried + "/\(inode).json" }

        /// Submitted trees too deep to remove, moved out of their jobs.
        public var planted: String { path + "/planted" }

        /// One record per running engine process.
        public var engines: String { path + "/engines" }
        public func engineRecord(host: String, pid: Int32) -> String { engines + "/\(host)-\(pid).json" }

        /// The key that signs webhooks (mode 0600, made on first use).
        public var webhookSecretFile: String { path + "/webhook-secret" }
        /// Webhooks not yet delivered, one file each, named by the webhook's id.
        public var webhooks: String { path + "/webhooks" }
        public func webhook(id: String) -> String { webhooks + "/" + id + ".json" }
        /// Held (flock) by the one supervisor that sends the spool's webhooks.
        public var webhookSenderLock: String { path + "/webhooks.lock" }

        /// GPU slots, per host (a spool may be shared by hosts, and a GPU
        /// belongs to one).
        public var leases: String { path + "/leases" }
        public func leases(host: String) -> String { leases + "/" + host }
    }

    public var state: State { State(path: root + "/state") }
}

extension Spool.State {
    /// `state/hosts/<host>/`: one host's files.
    public struct Host: Sendable, Equatable {
        public let path: String
        public let name: String

        public var supervisorFile: String { path + "/supervisor.json" }
        public var metricsFile: String { path + "/metrics.prom" }
        public var eventsFile: String { path + "/events.jsonl" }
        public var logs: String { path + "/logs" }
        public func log(engine: String) -> String { logs + "/" + engine + ".log" }
    }
}

extension Spool.State {
    /// Writes a document atomically at `path`, a file under `state/`
    /// (never in a job folder: those are reached through their descriptor,
    /// JobFolder.write). An operator may have made `state/` a symlink to
    /// another disk, so the path is followed.
    public func write(_ document: some Encodable, to path: String, durable: Bool = false) throws(FileSystemError) {
        try FileSystem.writeAtomically(JobFolder.bytes(of: document, for: path), to: path, durable: durable)
    }

    /// A document under `state/`, or nil if it is missing or unreadable.
    public func read<T: Decodable>(_ type: T.Type, from path: String) -> T? {
        guard let data = try? FileSystem.read(path, limit: 16 << 20) else { return nil }
        return try? JSONDecoder().decode(type, from: data)
    }
}
