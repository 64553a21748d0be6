import Basics
import EngineHost
import EngineProtocol
import Foundation
import Logging
import Spool
import Synchronization

/// Keeps the supervisor's monitoring files current: this host's
/// `state/hosts/<host>/supervisor.json` and `metrics.prom` every `interval`, and finished jobs cleaned
/// from `done/` and `failed/` after their retention (SPOOL.md, "Monitoring").
/// Job transitions go to `state/events.jsonl` as they happen (JobRunner).
public final class Monitor: Sendable {
    /// What GPU leasing reports: the leases as supervisor.json shows them,
    /// and the slot counts for metrics.prom.
    public struct GPUReport: Sendable {
        public var leases: [JSONValue]
        public var leased: Int
        public var free: Int

        public init(leases: [JSONValue], leased: Int, free: Int) {
            self.leases = leases
            self.leased = leased
            self.free = free
        }
    }

    let spool: Spool
    let config: SpoolConfig
    let logger: Logger
    let metrics: SupervisorMetrics
    let startedAt: Date
    let version: String
    /// How the supervisor watches the spool, for supervisor.json.
    let watch: WatchMode.Resolved?
    /// `--engines-only`, for supervisor.json.
    let enginesOnly: EngineFilter?
    /// Set by whoever owns GPU leases; until then no GPU is reported.
    let gpu: Mutex<(@Sendable () async -> GPUReport)?> = Mutex(nil)
    /// Engine → jobs finished for this supervisor.
    private let served = Mutex<[String: Int]>([:])
    /// Kept as jobs move, so a publish lists neither `done/` nor `failed/`.
    let finished: FinishedCounts
    let pending: PendingAges
    /// Engines' saved voices as the bank holds them now.
    let bankVoices: BankVoices

    static let interval = SupervisorState.publishInterval
    static let retentionInterval: Duration = .seconds(3600)

    init(
        spool: Spool, config: SpoolConfig, engines: [String], version: String, watch: WatchMode.Resolved? = nil,
        enginesOnly: EngineFilter? = nil, logger: Logger
    ) {
        self.enginesOnly = enginesOnly
        self.spool = spool
        self.watch = watch
        self.config = config
        self.logger = logger
        self.version = version
        startedAt = Date()
        metrics = SupervisorMetrics(engines: engines, startedAt: startedAt)
        finished = FinishedCounts(spool: spool)
        pending = PendingAges(directory: spool.new)
        bankVoices = BankVoices(bank: spool.voiceBank)
    }

    public func reportGPU(_ report: @escaping @Sendable () async -> GPUReport) {
        gpu.withLock { $0 = report }
    }

    /// Rewrites the files every `interval`, and cleans every
    /// `retentionInterval`, until cancelled. (The supervisor cleans once
    /// itself before this starts, so even a short `--until-idle` run does.)
    func run(pool: EnginePool) async {
        var lastClean = ContinuousClock.now
        while !Task.isCancelled {
            if .now - lastClean >= Self.retentionInterval {
                clean()
                lastClean = .now
            }
            await publish(pool: pool)
            try? await Task.sleep(for: Self.interval)
        }
    }

    /// A job left `cur/` for `done/` or `failed/` (`outcome`: done, failed, cancelled).
    func jobFinished(engine: String, outcome: String, seconds: Double?) {
        served.withLock { $0[engine, default: 0] += 1 }
        finished.add(outcome == "done" ? .done : .failed)
        metrics.finished(engine: engine, outcome: outcome, seconds: seconds)
    }

    /// Writes supervisor.json and metrics.prom, each to a hidden name and
    /// renamed into place. `stopped` marks the supervisor's last write.
    func publish(pool: EnginePool, stopped: Bool = false) async {
        let instances = await pool.snapshot()
        let registry = await pool.registry
        let restarts = await pool.restarts
        let engineSettings = await pool.settings.engines
        let gpu = await self.gpu.withLock({ $0 })?()
        let waiting = pending.look()
        var counts = finished.current()
        counts[.new] = waiting.count
        // cur/ holds only the jobs running now, on every host: small.
        counts[.cur] = spool.runningFolders().count

        var state = SupervisorState(version: version, startedAt: Timestamp.string(startedAt))
        state.state = stopped ? "stopped" : "running"
        state.updatedAt = Timestamp.now()
        state.counts = Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) })
        state.gpuLeases = gpu?.leases ?? []
        state.watch = watch
        state.enginesOnly = enginesOnly?.sorted
        let served = self.served.withLock { $0 }
        state.engines = registry.names.map { name in
            engineState(name, registry: registry, settings: engineSettings, instances: instances.filter { $0.engine == name },
                        restarts: restarts[name] ?? 0, served: served[name] ?? 0)
        }
        if stopped {
            for index in state.engines.indices where state.engines[index].state != "broken" {
                state.engines[index].state = "stopped"
                state.engines[index].instances = []
            }
        }
        metrics.restarts(restarts)
        metrics.setGPUSlots(leased: gpu?.leased ?? 0, free: gpu?.free ?? 0)
        metrics.observe(counts: counts, oldestPendingAge: waiting.oldestAge)
        do {
            try FileSystem.createDirectories(spool.state.thisHost.path)
            try spool.state.write(state, to: spool.state.supervisorFile)
            // node_exporter reads every *.prom: the temporary name must not end so.
            try FileSystem.writeAtomically(Data(metrics.render()), to: spool.state.metricsFile)
        } catch {
            logger.warning("cannot write the monitoring files", metadata: ["error": "\(error)"])
        }
    }

    private func engineState(
        _ name: String, registry: EngineRegistry, settings: EngineSettings, instances: [InstanceStatus], restarts: Int, served: Int
    ) -> SupervisorState.Engine {
        guard let manifest = registry[name] else {
            return SupervisorState.Engine(name: name, state: "broken", maxInstances: 0)
        }
        let summary: String =
            if instances.contains(where: { $0.state == "busy" }) { "busy" }
            else if instances.contains(where: { $0.state == "starting" }) { "starting" }
            else if instances.isEmpty { "stopped" }
            else { "idle" }
        var engine = SupervisorState.Engine(name: name, state: summary, maxInstances: settings[name]?.instances ?? manifest.maxInstances)
        engine.device = instances.first?.device
        engine.voices = bankVoices.voices(of: name, reported: instances.first?.voices)
        engine.instances = instances.map { .init(id: $0.instance, state: $0.state, device: $0.device, busy: $0.busy, served: $0.served) }
        engine.restarts = restarts
        engine.jobsServed = served
        return engine
    }

    /// Removes jobs past their retention from `done/` and `failed/`.
    func clean() {
        let expired = spool.expiredJobs(doneDays: config.doneRetentionDays, failedDays: config.failedRetentionDays)
        for job in expired {
            do {
                try spool.remove(job)
                finished.remove(job.folder)
            } catch {
                logger.warning("cannot remove an expired job", metadata: ["job": "\(job.id)", "error": "\(error)"])
            }
        }
        if !expired.isEmpty {
            logger.info("cleaned finished jobs past their retention", metadata: ["removed": "\(expired.count)"])
        }
    }
}
