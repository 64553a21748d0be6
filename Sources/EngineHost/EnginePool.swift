import Basics
import EngineProtocol
import Foundation
import Leases

/// The running engine instances. Instances start when a job first needs
/// them, stay resident between jobs (the model stays loaded), and are
/// replaced when they die: the next job that needs one starts a new one.
/// An engine that keeps failing (to start, or by dying) is restarted after
/// a growing pause, so a broken engine cannot spin.
public actor EnginePool {
    public struct Settings: Sendable {
        /// Where each engine's stderr goes, as `<engine>.log`.
        public var logDirectory: String?
        /// Put on PYTHONPATH for every engine (the SDK's folder).
        public var sdkDirectory: String?
        /// The spool's voice bank (`voices/`); each engine is given its own folder in it.
        public var voiceBankRoot: String?
        public var maxLineBytes = 1 << 20
        /// Per engine: the instance limit over the manifest's, and the
        /// `config` of its `initialize` (config.json's `engines`).
        public var engines = EngineSettings()
        /// Called with an instance's engine and pid when its process starts,
        /// and with the pid when it is gone (the supervisor keeps a record).
        public var started: (@Sendable (String, Int32) -> Void)?
        public var exited: (@Sendable (Int32) -> Void)?
        /// Called when an instance is shut down on purpose: its engine, pid,
        /// device and why (keep-alive, eviction, out of memory).
        public var retired: (@Sendable (_ engine: String, _ pid: Int32?, _ device: String, _ reason: String) -> Void)?
        /// The pause before restarting a failing engine doubles from
        /// `restartBackoff` up to `restartBackoffMax` seconds.
        public var restartBackoff = 0.5
        public var restartBackoffMax = 60.0
        /// The GPU slot pool; nil means no GPU (every instance runs on CPU).
        public var gpuSlots: GPUSlots?
        /// Instances across all engines.
        public var limits = InstanceLimits()
        /// How long an idle instance stays, unless its manifest says;
        /// negative keeps instances forever (Ollama's keep_alive: 5 minutes).
        public var keepAliveSeconds = 300.0
        /// How often a job waiting for a GPU looks again (other supervisors
        /// free slots without telling this one).
        public var gpuPollSeconds = 0.25

        public init() {}
    }

    /// One engine instance and how busy it is.
    final class Instance {
        let id: Int
        let process: EngineProcess
        var info: EngineInfo?
        var busy = 0
        var served = 0
        /// The GPU slots it holds, released when its process is gone.
        var gpuLease: GPULease?
        /// Being shut down (evicted, idle too long, out of memory): takes no
        /// new work but still counts against the limits until it exits.
        var stopping = false
        var shutdownSent = false
        var idleSince = ContinuousClock.now

        init(id: Int, process: EngineProcess, gpuLease: GPULease?) {
            self.id = id
            self.process = process
            self.gpuLease = gpuLease
        }

        var onGPU: Bool { process.device.kind == .cuda }
        var capacity: Int { max(1, info?.concurrency ?? 1) }
        var hasRoom: Bool { info != nil && !stopping && busy < capacity }
        var isIdle: Bool { info != nil && !stopping && busy == 0 }
    }

    public private(set) var registry: EngineRegistry
    public let settings: Settings
    var instances: [String: [Instance]] = [:]
    private var waiters: [CheckedContinuation<Void, Never>] = []
    var nextInstanceID = 1
    private(set) var closed = false
    /// Engine → consecutive failures, and when it may start again.
    var failures: [String: (count: Int, until: ContinuousClock.Instant)] = [:]
    /// Instances being shut down on purpose: their exit is not a failure.
    var retiring: Set<Int> = []

    public init(registry: EngineRegistry, settings: Settings) {
        self.registry = registry
        self.settings = settings
    }

    /// A share of an instance of `engine` for one job; waits while all
    /// instances are busy and no more may start. Where it runs follows the
    /// manifest's `device` (EnginePool+Placement). `cpuBecause` sends a
    /// `gpu-preferred` job to a CPU instance (after it ran out of GPU memory).
    /// Give it back with `release`.
    public func acquire(_ engine: String, job: String? = nil, cpuBecause: String? = nil) async throws(EngineError) -> EngineLease {
        while true {
            guard !closed else { throw EngineError(.transient, "the supervisor is shutting down") }
            guard let manifest = registry[engine] else {
                throw EngineError(.badInput, registry.explainMissing(engine))
            }
            switch try await place(manifest, job: job, cpuBecause: cpuBecause) {
            case .lease(let lease):
                return lease
            case .retry:
                continue
            case .wait(let poll):
                await waitForChange(poll: poll)
            }
        }
    }

    /// Takes a share of an instance that has room; nil if it turned out dead.
    func take(_ instance: Instance, engine: String, job: String?, fallbackReason: String?) async -> EngineLease? {
        instance.busy += 1
        // Its exit may not have reached us yet.
        if await instance.process.state == .exited {
            instance.busy -= 1
            remove(engine: engine, id: instance.id)
            return nil
        }
        if var lease = instance.gpuLease, lease.holder.job != job {
            lease.holder.job = job
            lease.write()
            instance.gpuLease = lease
        }
        return EngineLease(
            engine: engine, process: instance.process, info: instance.info!, instanceID: instance.id, fallbackReason: fallbackReason)
    }

    /// Gives a share back; `succeeded` says the run went well, which
    /// clears the engine's record of failures.
    /// `restart` shuts the instance down once it is idle: after an `oom`,
    /// the only sure way to get its GPU memory back.
    public func release(_ lease: EngineLease, succeeded: Bool = true, restart: Bool = false) {
        if let instance = instances[lease.engine]?.first(where: { $0.id == lease.instanceID }) {
            instance.busy -= 1
            instance.served += 1
            if instance.busy == 0 {
                instance.idleSince = .now
                if var gpuLease = instance.gpuLease {
                    gpuLease.holder.job = nil
                    gpuLease.write()
                    instance.gpuLease = gpuLease
                }
            }
            if restart {
                retire(instance, engine: lease.engine, because: "it ran out of memory; a new process gets its memory back")
            } else if instance.stopping && instance.busy == 0 {
                retire(instance, engine: lease.engine, because: "its last job finished")
            }
        }
        if succeeded { failures[lease.engine] = nil }
        wakeWaiters()
    }

    /// Pings every idle instance; one that does not answer is killed (and
    /// replaced when next needed).
    public func pingIdle(timeout: Double = 10) async {
        let idle = instances.values.flatMap { $0 }.filter(\.isIdle).map(\.process)
        await withTaskGroup(of: Void.self) { group in
            for process in idle {
                group.addTask {
                    do {
                        try await process.ping(timeout: timeout)
                    } catch {
                        await process.kill(because: .unansweredPing("\(error)"))
                    }
                }
            }
        }
    }

    /// Asks every instance to exit, and waits for them.
    public func shutdown() async {
        closed = true
        wakeWaiters()
        let all = instances.flatMap { engine, group in group.map { (engine, $0) } }
        await withTaskGroup(of: Void.self) { group in
            for (_, instance) in all {
                let process = instance.process
                group.addTask { await process.shutdown() }
            }
        }
        for (engine, instance) in all { remove(engine: engine, id: instance.id) }
    }

    /// Waits until something changes: a share given back, an instance gone.
    /// With `poll`, also looks again after `gpuPollSeconds`, for slots that
    /// other supervisors free.
    private func waitForChange(poll: Bool) async {
        if poll {
            let pause = settings.gpuPollSeconds
            Task { [weak self] in
                try? await Task.sleep(for: .seconds(pause))
                await self?.wakeWaiters()
            }
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    /// What runs now, for status displays.
    public func snapshot() -> [InstanceStatus] {
        instances.keys.sorted().flatMap { engine in
            instances[engine, default: []].map { instance in
                InstanceStatus(
                    engine: engine, instance: instance.id, version: instance.info?.version,
                    state: instance.stopping ? "stopping" : instance.info == nil ? "starting" : (instance.busy > 0 ? "busy" : "idle"),
                    busy: instance.busy, served: instance.served, device: instance.process.device.description,
                    voices: instance.info?.voices?.map(\.id))
            }
        }
    }

    /// How many instances of the engine may run at once.
    public func limit(for manifest: EngineManifest) -> Int {
        settings.engines[manifest.name]?.instances ?? manifest.maxInstances
    }

    func replaceRegistry(_ registry: EngineRegistry) {
        self.registry = registry
    }

    /// Forgets an instance whose process is gone, and frees its GPU slots.
    func remove(engine: String, id: Int) {
        if let instance = instances[engine]?.first(where: { $0.id == id }) {
            instance.gpuLease?.release()
            instance.gpuLease = nil
        }
        instances[engine]?.removeAll { $0.id == id }
        wakeWaiters()
    }

    /// An instance's process ended: a failure unless we asked for it.
    func exited(engine: String, id: Int) {
        if !closed && !retiring.contains(id) && instances[engine]?.contains(where: { $0.id == id }) == true {
            recordFailure(engine)
        }
        retiring.remove(id)
        remove(engine: engine, id: id)
    }

    /// Engine → instances that died or failed to start (for monitoring).
    public private(set) var restarts: [String: Int] = [:]

    func recordFailure(_ engine: String) {
        restarts[engine, default: 0] += 1
        let count = (failures[engine]?.count ?? 0) + 1
        let pause = min(settings.restartBackoffMax, settings.restartBackoff * pow(2, Double(count - 1)))
        failures[engine] = (count, .now + .seconds(pause))
    }

    func wakeWaiters() {
        let waiting = waiters
        waiters.removeAll()
        for waiter in waiting { waiter.resume() }
    }
}

/// A share of one engine instance, held for one job.
public struct EngineLease: Sendable {
    public let engine: String
    public let process: EngineProcess
    public let info: EngineInfo
    let instanceID: Int
    /// Why a `gpu-preferred` job runs on the CPU; nil when it runs where it prefers.
    public var fallbackReason: String?
}

/// One line of `status`: an engine instance.
public struct InstanceStatus: Sendable, Codable, Equatable {
    public var engine: String
    public var instance: Int
    public var version: String?
    public var state: String
    public var busy: Int
    public var served: Int
    /// `cpu` or `cuda:<index>`.
    public var device: String
    public var voices: [String]?
}
