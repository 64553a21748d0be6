import Basics
import EngineHost
import Foundation
import Leases
import Logging
import ServiceLifecycle
import Spool
import Webhooks

/// `audiospool run`: watches a spool and runs its jobs until told to stop
/// (or, with `untilIdle`, until nothing is left to do). This type sets up
/// and tears down; SupervisorLoop does the work.
public final class Supervisor: Service {
    public struct Options: Sendable {
        public var spoolDirectory: String
        public var enginesDirectory: String
        /// Exit once nothing is pending or running.
        public var untilIdle = false
        /// `--fake-gpus` and `--slots-per-gpu`: over the config's `gpus`.
        public var fakeGPUs: Int?
        public var slotsPerGPU: Int?
        /// Shown in state/supervisor.json.
        public var version = "unknown"
        /// `--engines-only`: take jobs for these engines only; nil: every engine.
        public var enginesOnly: EngineFilter?

        public init(spoolDirectory: String, enginesDirectory: String) {
            self.spoolDirectory = spoolDirectory
            self.enginesDirectory = enginesDirectory
        }
    }

    public let options: Options
    /// config.json as it was at start (`shutdown_grace_s` sets the service
    /// group's grace period, before `run`).
    public let config: SpoolConfig
    let spool: Spool
    let logger: Logger
    /// config.json's sections, read by the modules they configure.
    let engineSettings: EngineSettings
    let instanceLimits: InstanceLimits
    let gpuDiscovery: GPUDiscovery
    let webhookSettings: WebhookSettings

    public init(options: Options, logger: Logger) throws {
        self.options = options
        self.logger = logger
        spool = Spool(root: Self.absolute(options.spoolDirectory))
        config = try spool.loadConfig(checking: SpoolConfig.moduleSections)
        // Checked just now, so these cannot fail.
        engineSettings = try config.section(EngineSettings.self)
        instanceLimits = try config.section(InstanceLimits.self)
        gpuDiscovery = try config.section(GPUDiscovery.self)
        webhookSettings = try config.section(WebhookSettings.self)
    }

    public func run() async throws {
        let spool = spool
        let config = config
        // The spool's umask covers its own folders too, so it is set from
        // config.json (or the default) before anything is created.
        umask(config.umask)
        try spool.create()
        try spool.writeDefaultConfigIfMissing(.defaultsWithSections)
        try spool.prepareHostState()
        let watch = config.watch.resolve(at: spool.root, intervalMilliseconds: config.pollIntervalMilliseconds)
        let enginesDirectory = Self.absolute(options.enginesDirectory)
        if !FileSystem.isDirectory(enginesDirectory) {
            // Most likely a typo in --engines: every job would wait or fail.
            logger.warning(
                "the engines folder does not exist; no job can run until it does (hot reload picks engines up)",
                metadata: ["engines": "\(enginesDirectory)"])
        }
        let registry = EngineRegistry.load(directory: enginesDirectory)
        for (engine, problem) in registry.problems.sorted(by: { $0.key < $1.key }) {
            logger.error("engine unusable", metadata: ["engine": "\(engine)", "error": "\(problem)"])
        }
        if let only = options.enginesOnly {
            // Most likely a typo: its jobs would wait for another supervisor.
            for name in only.sorted where !registry.names.contains(name) {
                logger.warning(
                    "--engines-only names an engine the engines folder does not have (yet); its jobs wait until it appears",
                    metadata: ["engine": "\(name)", "engines": "\(enginesDirectory)"])
            }
        }
        let records = EngineRecords(spool: spool, logger: logger)
        records.killLeftovers()
        var settings = poolSettings(spool: spool, config: config, enginesDirectory: enginesDirectory)
        settings.gpuSlots = try gpuSlots(spool: spool, config: config)
        settings.started = { engine, pid in records.started(engine: engine, pid: pid) }
        settings.exited = { pid in records.exited(pid: pid) }
        let logger = logger
        settings.retired = { engine, pid, device, reason in
            logger.info(
                "shutting down an engine instance",
                metadata: ["engine": "\(engine)", "pid": "\(pid.map(String.init) ?? "-")", "device": "\(device)", "reason": "\(reason)"])
        }
        let pool = EnginePool(registry: registry, settings: settings)
        let recovery = OrphanRecovery(spool: spool, ttl: config.orphanTTLSeconds, logger: logger)
        recovery.recover()

        let (events, continuation) = AsyncStream<SupervisorLoop.Event>.makeStream()
        let watcher = try SpoolWatcher(directory: spool.new, poll: watch.pollInterval)
        watcher.start { continuation.yield(.watch($0)) }
        let cancelWatcher = try SpoolWatcher(directory: spool.cancel, poll: watch.pollInterval)
        cancelWatcher.start { event in
            if case .arrived(let name) = event { continuation.yield(.cancelRequested(name)) }
            if case .closed(let name) = event { continuation.yield(.cancelRequested(name)) }
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                continuation.yield(.tick)
            }
        }
        // Hot reload: new and changed engine folders, without a restart.
        var reloading = EngineReloader(directory: enginesDirectory, pool: pool, logger: logger)
        if let interval = watch.pollInterval { reloading.polling = max(interval, .seconds(1)) }  // a tree of stats, not one readdir
        let reloader = Task { [reloading] in await reloading.run() }
        defer {
            reloader.cancel()
            watcher.stop()
            cancelWatcher.stop()
            ticker.cancel()
        }
        logger.info(
            "supervisor started",
            metadata: [
                "spool": "\(spool.root)", "engines": "\(registry.manifests.keys.sorted())", "host": "\(HostIdentity.name)",
                "watch": "\(watch.mode.rawValue)", "watch_reason": "\(watch.reason)",
                "poll_interval_ms": "\(watch.intervalMilliseconds.map(String.init) ?? "-")",
                "engines_only": "\(options.enginesOnly?.description ?? "-")",
            ])

        let monitor = Monitor(
            spool: spool, config: config, engines: registry.names, version: options.version, watch: watch,
            enginesOnly: options.enginesOnly, logger: logger)
        monitor.clean()
        if let slots = settings.gpuSlots {
            monitor.reportGPU { Monitor.GPUReport(LeaseTable.snapshot(directory: slots.directory, inventory: slots.inventory)) }
        }
        let monitoring = Task { await monitor.run(pool: pool) }
        let cancellations = Cancellations()
        var runner = JobRunner(spool: spool, config: config, pool: pool, cancellations: cancellations, logger: logger)
        runner.monitor = monitor
        runner.enginesOnly = options.enginesOnly
        // Webhooks go out from a task of their own, so a slow receiver never holds a job.
        let webhooks = WebhookSender(spool: spool, settings: webhookSettings, logger: logger)
        runner.webhooks = webhooks
        let sending = Task { await webhooks.run() }
        let loop = try SupervisorLoop(
            runner: runner, cancellations: cancellations, recovery: recovery, untilIdle: options.untilIdle,
            continuation: continuation, logger: logger)
        // The service group owns the signals: SIGTERM or SIGINT starts a
        // graceful shutdown, and once shutdown_grace_s has passed it cancels
        // this service. The loop runs in a task of its own so that
        // cancellation reaches it as one event, `graceExpired`, and it can
        // still return its jobs to new/ in order.
        let looping = Task { await loop.run(events) }
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await looping.value
            } onGracefulShutdown: {
                continuation.yield(.shutdown)
            }
        } onCancel: {
            continuation.yield(.graceExpired)
        }
        await pool.shutdown()
        // Webhooks still pending stay in state/webhooks/ for the next start.
        webhooks.stop()
        await sending.value
        monitoring.cancel()
        await monitoring.value
        await monitor.publish(pool: pool, stopped: true)
        logger.info("supervisor stopped")
    }

    private func poolSettings(spool: Spool, config: SpoolConfig, enginesDirectory: String) -> EnginePool.Settings {
        var settings = EnginePool.Settings()
        settings.logDirectory = spool.state.logs
        settings.voiceBankRoot = spool.voices
        try? FileSystem.createDirectories(spool.state.logs)
        let sdk = enginesDirectory + "/sdk"
        settings.sdkDirectory = FileSystem.isDirectory(sdk) ? sdk : nil
        settings.maxLineBytes = config.limits.maxEngineLineBytes
        settings.engines = engineSettings
        settings.keepAliveSeconds = config.keepAliveSeconds
        settings.limits = instanceLimits
        return settings
    }

    /// Finds the GPUs and records them in the leases folder; nil if there are none.
    private func gpuSlots(spool: Spool, config: SpoolConfig) throws -> GPUSlots? {
        let inventory = gpuDiscovery.overridden(fakeGPUs: options.fakeGPUs, slotsPerGPU: options.slotsPerGPU).discover()
        let slots = GPUSlots(directory: spool.leasesDirectory, inventory: inventory)
        try slots.prepare()
        logger.info(
            "GPUs", metadata: [
                "source": "\(inventory.source)", "slots_per_gpu": "\(inventory.slotsPerGPU)",
                "gpus": "\(inventory.gpus.map { "\($0.index):\($0.uuid)" })",
            ])
        return inventory.gpus.isEmpty ? nil : slots
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
