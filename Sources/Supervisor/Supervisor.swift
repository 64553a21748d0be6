import EngineHost
import Foundation
import Logging
import ServiceLifecycle
import Spool

/// `audiospool run`: watches a spool and runs its jobs until told to stop
/// (or, with `untilIdle`, until nothing is left to do).
///
/// The loop is the only place that claims. Jobs run as child tasks; each
/// reports back when done, and the loop claims the next. On graceful
/// shutdown it claims nothing more, lets running jobs finish for the grace
/// period, then cancels them, which returns them to `new/`.
public final class Supervisor: Service {
    public struct Options: Sendable {
        public var spoolDirectory: String
        public var enginesDirectory: String
        /// Exit once nothing is pending or running.
        public var untilIdle = false

        public init(spoolDirectory: String, enginesDirectory: String) {
            self.spoolDirectory = spoolDirectory
            self.enginesDirectory = enginesDirectory
        }
    }

    public let options: Options
    let logger: Logger

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    enum LoopEvent: Sendable {
        case watch(SpoolWatcher.Event)
        case tick
        case finished(String, JobRunner.Outcome)
        case shutdown
        case graceExpired
    }

    public func run() async throws {
        let spool = Spool(root: Self.absolute(options.spoolDirectory))
        try spool.create()
        try spool.writeDefaultConfigIfMissing()
        let config = try spool.loadConfig()
        let enginesDirectory = Self.absolute(options.enginesDirectory)
        let registry = EngineRegistry.load(directory: enginesDirectory)
        for (engine, problem) in registry.problems.sorted(by: { $0.key < $1.key }) {
            logger.error("engine unusable", metadata: ["engine": "\(engine)", "error": "\(problem)"])
        }
        let records = EngineRecords(spool: spool, logger: logger)
        records.killLeftovers()
        var settings = poolSettings(spool: spool, config: config, enginesDirectory: enginesDirectory)
        settings.started = { engine, pid in records.started(engine: engine, pid: pid) }
        settings.exited = { pid in records.exited(pid: pid) }
        let pool = EnginePool(registry: registry, settings: settings)
        OrphanRecovery(spool: spool, ttl: config.orphanTTLSeconds, logger: logger).recover()

        let (events, continuation) = AsyncStream<LoopEvent>.makeStream()
        let watcher = try SpoolWatcher(directory: spool.new)
        watcher.start { continuation.yield(.watch($0)) }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                continuation.yield(.tick)
            }
        }
        defer {
            watcher.stop()
            ticker.cancel()
        }
        logger.info("supervisor started", metadata: ["spool": "\(spool.root)", "engines": "\(registry.manifests.keys.sorted())"])

        let runner = JobRunner(spool: spool, config: config, pool: pool, logger: logger)
        var queue = PendingQueue(spool: spool, settle: config.settleSeconds, defaultPriority: config.priority, limits: config.limits)
        try queue.rescan()
        await withGracefulShutdownHandler {
            await self.loop(events: events, continuation: continuation, queue: &queue, runner: runner, config: config)
        } onGracefulShutdown: {
            continuation.yield(.shutdown)
        }
        await pool.shutdown()
        logger.info("supervisor stopped")
    }

    private func loop(
        events: AsyncStream<LoopEvent>, continuation: AsyncStream<LoopEvent>.Continuation, queue: inout PendingQueue,
        runner: JobRunner, config: SpoolConfig
    ) async {
        let spool = runner.spool
        let rescanEvery = Duration.milliseconds(Int(config.rescanIntervalSeconds * 1000))
        var lastRescan = ContinuousClock.now
        // Jobs this supervisor runs, by id: their heartbeats are ours to write.
        var running = Set<String>()
        var draining = false
        var lastHeartbeat = ContinuousClock.now
        var lastPing = ContinuousClock.now
        var lastRecovery = ContinuousClock.now
        let recovery = OrphanRecovery(spool: spool, ttl: config.orphanTTLSeconds, logger: logger)
        await withTaskGroup(of: Void.self) { group in
            func claimWhilePossible() {
                while !draining && running.count < config.concurrency, let submission = queue.next() {
                    let claimed: ClaimedJob?
                    do {
                        claimed = try spool.claim(submission)
                    } catch {
                        logger.error("cannot claim", metadata: ["entry": "\(submission.entryName)", "error": "\(error)"])
                        continue
                    }
                    guard let claimed else { continue }  // another supervisor was first
                    running.insert(claimed.id)
                    group.addTask {
                        let outcome = await runner.run(claimed)
                        continuation.yield(.finished(claimed.id, outcome))
                    }
                }
            }

            claimWhilePossible()
            for await event in events {
                switch event {
                case .watch(.overflow):
                    try? queue.rescan()
                case .watch(let change):
                    queue.handle(change)
                case .tick:
                    // The safety-net scan; more often while entries settle.
                    if queue.waitingCount > 0 || ContinuousClock.now - lastRescan >= rescanEvery {
                        try? queue.rescan()
                        lastRescan = .now
                    }
                    queue.promoteDue()
                    if ContinuousClock.now - lastHeartbeat >= .seconds(config.heartbeatSeconds) {
                        for id in running { spool.heartbeat(id) }
                        lastHeartbeat = .now
                    }
                    if ContinuousClock.now - lastPing >= .seconds(config.enginePingSeconds) {
                        lastPing = .now
                        Task { await runner.pool.pingIdle() }
                    }
                    if ContinuousClock.now - lastRecovery >= .seconds(config.orphanTTLSeconds / 2) {
                        for entry in recovery.recover() { queue.handle(.arrived(entry)) }
                        lastRecovery = .now
                    }
                case .finished(let id, let outcome):
                    running.remove(id)
                    // Queue a retry now; its inotify event may come after an idle check.
                    if case .requeued(let entry) = outcome { queue.handle(.arrived(entry)) }
                case .shutdown:
                    guard !draining else { break }
                    draining = true
                    logger.info("shutting down", metadata: ["running": "\(running.count)", "grace_s": "\(config.shutdownGraceSeconds)"])
                    let grace = config.shutdownGraceSeconds
                    Task {
                        try? await Task.sleep(for: .seconds(grace))
                        continuation.yield(.graceExpired)
                    }
                case .graceExpired:
                    logger.warning("grace period over; returning running jobs to new/", metadata: ["running": "\(running.count)"])
                    group.cancelAll()
                }
                claimWhilePossible()
                if draining && running.isEmpty { break }
                if options.untilIdle && running.isEmpty && !queue.hasWork() {
                    // Events may still be on their way; only a scan can say it is idle.
                    try? queue.rescan()
                    if !queue.hasWork() { break }
                }
            }
            continuation.finish()
        }
    }

    private func poolSettings(spool: Spool, config: SpoolConfig, enginesDirectory: String) -> EnginePool.Settings {
        var settings = EnginePool.Settings()
        settings.logDirectory = spool.state + "/logs"
        try? FileSystem.createDirectories(spool.state + "/logs")
        let sdk = enginesDirectory + "/sdk"
        settings.sdkDirectory = FileSystem.isDirectory(sdk) ? sdk : nil
        settings.maxLineBytes = config.limits.maxEngineLineBytes
        for (name, engine) in config.engines {
            settings.instances[name] = engine.instances
            settings.configs[name] = engine.config
        }
        return settings
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
