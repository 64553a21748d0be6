import Basics
import Foundation
import HTTPConfig
import Hummingbird
import Logging
import Spool
import Synchronization
import EngineHost
import Webhooks

/// What every route shares: the spool, its config, the keys, the notifier.
struct API: Sendable {
    let spool: Spool
    let enginesDirectory: String
    let config: SpoolConfig
    let settings: HTTPSettings
    let keys: APIKeys?
    let notifier: SpoolNotifier
    let logger: Logger
    let speechWaiters: WaiterCount
    /// config.json's `webhooks`: a cancel here announces a pending job's end.
    let webhooks: WebhookSettings
    /// The pending jobs' priorities and arrivals, for `queue_position`.
    let queue: QueueIndex
    /// Finished jobs' answers, kept while their folders stay as they were.
    let finished: FinishedViews
    /// The supervisors' heartbeats, judged on this server's clock.
    let heartbeats: Heartbeats
    /// Queued jobs' job files, parsed once.
    let pendingDocuments = PendingDocuments()
    /// The manifests (`registry`), and whether there is an engines folder.
    let engines: EngineCache
    /// `tmp/` and `new/`, held open for deliveries.
    let delivery: DeliveryFolders

    init(
        spool: Spool, enginesDirectory: String, config: SpoolConfig, settings: HTTPSettings, keys: APIKeys?,
        notifier: SpoolNotifier, logger: Logger
    ) {
        self.spool = spool
        self.enginesDirectory = enginesDirectory
        self.config = config
        self.settings = settings
        self.keys = keys
        self.notifier = notifier
        self.logger = logger
        speechWaiters = WaiterCount(limit: settings.maxSpeechWaiters)
        webhooks = (try? config.section(WebhookSettings.self)) ?? WebhookSettings()
        engines = EngineCache(directory: enginesDirectory)
        delivery = DeliveryFolders(spool: spool)
        queue = QueueIndex(spool: spool, config: config, logger: logger, notifier: notifier)
        finished = FinishedViews(spool: spool)
        heartbeats = Heartbeats(spool: spool)
    }

    /// The engines folder's manifests, read again at most once a second.
    var registry: EngineRegistry { engines.registry() }

    var catalog: JobCatalog { JobCatalog(spool: spool, config: config, queue: queue, pendingDocuments: pendingDocuments) }

    /// The caller, from `Authorization: Bearer KEY`; nil when the server
    /// has no keys (everyone sees everything, on loopback only).
    func caller(_ request: Request) throws(APIError) -> APIKeys.Caller? {
        guard let keys else { return nil }
        guard let header = request.headers[.authorization], header.count > 7,
            header.prefix(7).lowercased() == "bearer "
        else { throw APIError.unauthorized }
        guard let caller = keys.caller(key: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)) else {
            throw APIError(.unauthorized, "unauthorized", "the key is not valid")
        }
        return caller
    }

    /// The job, if it exists and the caller may see it: another tenant's
    /// job is a 404, exactly like one that does not exist.
    func job(_ rawID: String, for caller: APIKeys.Caller?) throws(APIError) -> JobCatalog.Entry {
        try job(id: PathParameter.jobID(rawID), for: caller)
    }

    /// The same, for an id already decoded and checked.
    func job(id: String, for caller: APIKeys.Caller?) throws(APIError) -> JobCatalog.Entry {
        guard let entry = catalog.find(id), mayAccess(entry, caller) else {
            throw APIError.notFound("no job \(id)")
        }
        return entry
    }

    func mayAccess(_ entry: JobCatalog.Entry, _ caller: APIKeys.Caller?) -> Bool {
        guard let caller else { return true }
        return caller.mayAccess(owner: catalog.owner(entry))
    }
}

/// Reading every engine.json for each request would be most of its cost;
/// a second's staleness is what hot reload in the supervisor allows too.
final class EngineCache: Sendable {
    let directory: String
    private let cached = Mutex<(at: ContinuousClock.Instant, registry: EngineRegistry, present: Bool)?>(nil)

    init(directory: String) {
        self.directory = directory
    }

    func registry() -> EngineRegistry {
        current().registry
    }

    /// The registry, or nil while there is no engines folder (then the
    /// supervisor checks a job at the claim, as it does a dropped one).
    func installed() -> EngineRegistry? {
        let current = current()
        return current.present ? current.registry : nil
    }

    private func current() -> (registry: EngineRegistry, present: Bool) {
        let now = ContinuousClock.now
        if let hit = cached.withLock({ $0 }), now - hit.at < .seconds(1) { return (hit.registry, hit.present) }
        let present = FileSystem.isDirectory(directory)
        let registry = EngineRegistry.load(directory: directory)
        cached.withLock { $0 = (now, registry, present) }
        return (registry, present)
    }
}
