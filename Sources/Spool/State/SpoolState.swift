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

        /// What supervisors publish about themselves and their engines.
        public var supervisorFile: String { path + "/supervisor.json" }
        /// Prometheus text format, for node_exporter's textfile collector.
        public var metricsFile: String { path + "/metrics.prom" }
        /// Every job's transitions, one JSON object a line.
        public var eventsFile: String { path + "/events.jsonl" }

        /// Each engine's stderr, one file per engine.
        public var logs: String { path + "/logs" }
        public func log(engine: String) -> String { logs + "/" + engine + ".log" }

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
