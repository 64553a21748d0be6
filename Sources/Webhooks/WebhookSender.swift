import AsyncHTTPClient
import Basics
import Foundation
import Glibc
import Logging
import Spool
import Synchronization

/// Sends the spool's webhooks (SPOOL.md, "Webhooks"). Every supervisor
/// records the webhooks of the jobs it finishes in `state/webhooks/`; the
/// one that holds `state/webhooks.lock` (an `flock`, dropped by the kernel
/// when its holder dies, however it dies) sends them all. It learns of new
/// records from its own supervisor at once and from others by inotify on
/// the folder (and a scan every 30 s, for other hosts), resumes what it
/// finds at once when it takes the lock, and removes a record only once it
/// is delivered or given up.
public final class WebhookSender: Sendable {
    public let settings: WebhookSettings
    let spool: Spool
    let outbox: WebhookOutbox
    let logger: Logger
    /// The HTTP client's settings; `run()` makes the client and shuts it down.
    let configuration: HTTPClient.Configuration
    private let messages: AsyncStream<Message>
    private let continuation: AsyncStream<Message>.Continuation
    private let secret = Mutex<WebhookSecret?>(nil)

    /// Attempts in flight at once.
    static let maxInFlight = 16
    /// How often a supervisor that does not hold the lock tries for it, and
    /// the holder scans the folder for records inotify cannot see.
    static let scanInterval: Duration = .seconds(30)

    enum Message: Sendable {
        /// A record this supervisor saved, by its id.
        case added(String)
        /// A name in state/webhooks/ (inotify).
        case arrived(String)
        case attempted(PendingWebhook, WebhookDelivery.Outcome)
        case tick
    }

    public init(spool: Spool, settings: WebhookSettings, logger: Logger) {
        self.spool = spool
        self.settings = settings
        self.logger = logger
        outbox = WebhookOutbox(state: spool.state)
        var configuration = HTTPClient.Configuration()
        // A 3xx is a failure: a redirect could lead anywhere the allow-list does not.
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(
            connect: .milliseconds(Int64(settings.timeoutSeconds * 1000)), read: .milliseconds(Int64(settings.timeoutSeconds * 1000)))
        self.configuration = configuration
        (messages, continuation) = AsyncStream<Message>.makeStream()
    }

    /// Why `webhook` may not be sent, for the job's error; nil if it may
    /// (or the job has none).
    public func refusal(_ webhook: JobSpec.Webhook?) -> String? {
        settings.refusal(webhook)
    }

    /// A job has moved to `done/` or `failed/` as `job`: records its
    /// webhook, if it asked for this `event`, before this returns (so it
    /// survives the supervisor), and has it sent.
    public func jobEnded(_ job: String, event: JobSpec.Webhook.Event, webhook: JobSpec.Webhook?, document: some Encodable) {
        guard let webhook, webhook.events.contains(event) else { return }
        if let refusal = refusal(webhook) {
            spool.record(.webhookRefused, job: job) { $0.message = refusal }
            return
        }
        do {
            let body = try JobFolder.bytes(of: document, for: job)
            let record = PendingWebhook(job: job, event: event, url: webhook.url, body: String(decoding: body, as: UTF8.self))
            try outbox.save(record)
            continuation.yield(.added(record.id))
        } catch {
            logger.error("cannot record a webhook; it is not sent", metadata: ["job": "\(job)", "error": "\(error)"])
            spool.record(.webhookGaveUp, job: job) { $0.message = "cannot record the webhook in state/webhooks/: \(error)" }
        }
    }

    /// Sends webhooks until `stop()`.
    public func run() async {
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        var state = SenderState()
        continuation.yield(.tick)
        for await message in messages {
            handle(message, &state)
            if state.lock != nil { startDue(&state, client: client) }
            schedule(&state)
        }
        // Attempts cut short are not counted: their records stay as they were.
        for task in state.tasks.values { task.cancel() }
        for task in state.tasks.values { await task.value }
        state.release()
        try? await client.shutdown()
    }

    /// Ends `run()`; records not yet delivered stay for the next supervisor.
    public func stop() {
        continuation.finish()
    }

    struct SenderState {
        var lock: Int32?
        var watcher: SpoolWatcher?
        var pending: [String: PendingWebhook] = [:]
        var tasks: [String: Task<Void, Never>] = [:]
        var timer: Task<Void, Never>?
        var lastScan = ContinuousClock.now

        mutating func release() {
            timer?.cancel()
            watcher?.stop()
            if let lock { close(lock) }
        }
    }

    func handle(_ message: Message, _ state: inout SenderState) {
        switch message {
        case .added(let id):
            admit(name: id + ".json", &state)
        case .arrived(let name):
            admit(name: name, &state)
        case .attempted(let record, let outcome):
            state.tasks[record.id] = nil
            conclude(record, outcome, &state)
        case .tick:
            if state.lock == nil {
                takeLock(&state)
            } else if ContinuousClock.now - state.lastScan >= Self.scanInterval {
                state.lastScan = .now
                for record in outbox.all() where state.pending[record.id] == nil && state.tasks[record.id] == nil {
                    state.pending[record.id] = record
                }
            }
        }
    }

    /// A record is taken from the disk, never from a message: a message can
    /// come late (`.added` from a supervisor's thread can lose the race to
    /// inotify's `.arrived` and an entire delivery), and by then the record
    /// is gone, so it is not sent twice.
    private func admit(name: String, _ state: inout SenderState) {
        guard state.lock != nil, let record = outbox.read(name: name),
            state.pending[record.id] == nil, state.tasks[record.id] == nil
        else { return }
        state.pending[record.id] = record
    }

    func takeLock(_ state: inout SenderState) {
        try? FileSystem.createDirectories(spool.state.webhooks)
        let fd = open(spool.state.webhookSenderLock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return
        }
        state.lock = fd
        state.lastScan = .now
        let continuation = continuation
        if let watcher = try? SpoolWatcher(directory: spool.state.webhooks) {
            watcher.start { event in
                if case .arrived(let name) = event { continuation.yield(.arrived(name)) }
            }
            state.watcher = watcher
        }
        // Whatever an earlier supervisor left is resumed at once.
        for var record in outbox.all() {
            record.nextAttemptAt = nil
            state.pending[record.id] = record
        }
        if !state.pending.isEmpty {
            logger.info("resuming webhooks not yet delivered", metadata: ["count": "\(state.pending.count)"])
        }
    }

    private func startDue(_ state: inout SenderState, client: HTTPClient) {
        let now = Date()
        let due = state.pending.values.filter { record in
            state.tasks[record.id] == nil && (record.nextAttemptAt.flatMap(Timestamp.parse).map { $0 <= now } ?? true)
        }.sorted { $0.createdAt < $1.createdAt }
        for record in due.prefix(max(0, Self.maxInFlight - state.tasks.count)) {
            let delivery = WebhookDelivery(client: client, configuration: configuration, settings: settings, key: { [self] in try key() })
            let continuation = continuation
            state.tasks[record.id] = Task {
                let outcome = await delivery.attempt(record)
                if !Task.isCancelled { continuation.yield(.attempted(record, outcome)) }
            }
        }
    }

    /// The next tick: when the next record falls due, or the next scan.
    private func schedule(_ state: inout SenderState) {
        state.timer?.cancel()
        var wait = Self.scanInterval
        // At the cap, the next attempt to end brings the next message.
        if state.lock != nil && state.tasks.count < Self.maxInFlight {
            let now = Date()
            for record in state.pending.values where state.tasks[record.id] == nil {
                let due = record.nextAttemptAt.flatMap(Timestamp.parse).map { max(0, $0.timeIntervalSince(now)) } ?? 0
                wait = min(wait, .milliseconds(Int64(due * 1000) + 1))
            }
        }
        let continuation = continuation
        state.timer = Task {
            try? await Task.sleep(for: wait)
            if !Task.isCancelled { continuation.yield(.tick) }
        }
    }

    private func key() throws -> Data {
        try secret.withLock { secret in
            if let secret { return secret.key }
            let loaded = try WebhookSecret.loadOrCreate(at: spool.state.webhookSecretFile)
            secret = loaded
            return loaded.key
        }
    }
}
