import EngineProtocol
import Foundation

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
        public var maxLineBytes = 1 << 20
        /// Engine name → instance limit, overriding the manifest.
        public var instances: [String: Int] = [:]
        /// Engine name → the `config` of its `initialize`.
        public var configs: [String: [String: JSONValue]] = [:]
        /// Called with an instance's engine and pid when its process starts,
        /// and with the pid when it is gone (the supervisor keeps a record).
        public var started: (@Sendable (String, Int32) -> Void)?
        public var exited: (@Sendable (Int32) -> Void)?
        /// The pause before restarting a failing engine doubles from
        /// `restartBackoff` up to `restartBackoffMax` seconds.
        public var restartBackoff = 0.5
        public var restartBackoffMax = 60.0

        public init() {}
    }

    /// One engine instance and how busy it is.
    final class Instance {
        let id: Int
        let process: EngineProcess
        var info: EngineInfo?
        var busy = 0
        var served = 0

        init(id: Int, process: EngineProcess) {
            self.id = id
            self.process = process
        }

        var capacity: Int { max(1, info?.concurrency ?? 1) }
        var hasRoom: Bool { info != nil && busy < capacity }
    }

    public private(set) var registry: EngineRegistry
    public let settings: Settings
    private var instances: [String: [Instance]] = [:]
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var nextInstanceID = 1
    private var closed = false
    /// Engine → consecutive failures, and when it may start again.
    private var failures: [String: (count: Int, until: ContinuousClock.Instant)] = [:]
    /// Instances being shut down on purpose: their exit is not a failure.
    private var retiring: Set<Int> = []
    /// Instances of a replaced engine version still finishing jobs (reload).
    private var draining: [Int: Instance] = [:]

    public init(registry: EngineRegistry, settings: Settings) {
        self.registry = registry
        self.settings = settings
    }

    /// A share of an instance of `engine` for one job; waits while all
    /// instances are busy and no more may start. Give it back with `release`.
    public func acquire(_ engine: String) async throws(EngineError) -> EngineLease {
        while true {
            guard !closed else { throw EngineError(.transient, "the supervisor is shutting down") }
            guard let manifest = registry[engine] else {
                throw EngineError(.badInput, registry.explainMissing(engine))
            }
            let group = instances[engine] ?? []
            if let instance = group.first(where: \.hasRoom) {
                instance.busy += 1
                // Its exit may not have reached us yet.
                if await instance.process.state == .exited {
                    instance.busy -= 1
                    remove(engine: engine, id: instance.id)
                    continue
                }
                return EngineLease(engine: engine, process: instance.process, info: instance.info!, instanceID: instance.id)
            }
            if group.count < limit(for: manifest) {
                if let failure = failures[engine], failure.until > .now {
                    try? await Task.sleep(until: failure.until, clock: .continuous)
                    continue
                }
                return try await startInstance(manifest)
            }
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    /// Gives a share back; `succeeded` says the run went well, which
    /// clears the engine's record of failures.
    public func release(_ lease: EngineLease, succeeded: Bool = true) {
        if let instance = instances[lease.engine]?.first(where: { $0.id == lease.instanceID }) {
            instance.busy -= 1
            instance.served += 1
        } else if let instance = draining[lease.instanceID] {
            instance.busy -= 1
            if instance.busy == 0 {
                draining[lease.instanceID] = nil
                let process = instance.process
                Task { await process.shutdown() }
            }
        }
        if succeeded { failures[lease.engine] = nil }
        wakeWaiters()
    }

    /// Pings every idle instance; one that does not answer is killed (and
    /// replaced when next needed).
    public func pingIdle(timeout: Double = 10) async {
        let idle = instances.values.flatMap { $0 }.filter { $0.info != nil && $0.busy == 0 }.map(\.process)
        await withTaskGroup(of: Void.self) { group in
            for process in idle {
                group.addTask {
                    do {
                        try await process.ping(timeout: timeout)
                    } catch {
                        await process.kill(because: "it did not answer a ping: \(error)")
                    }
                }
            }
        }
    }

    /// Asks every instance to exit, and waits for them.
    public func shutdown() async {
        closed = true
        wakeWaiters()
        let processes = instances.values.flatMap { $0.map(\.process) } + draining.values.map(\.process)
        await withTaskGroup(of: Void.self) { group in
            for process in processes {
                group.addTask { await process.shutdown() }
            }
        }
    }

    /// What runs now, for status displays.
    public func snapshot() -> [InstanceStatus] {
        instances.keys.sorted().flatMap { engine in
            instances[engine, default: []].map { instance in
                InstanceStatus(
                    engine: engine, instance: instance.id, version: instance.info?.version,
                    state: instance.info == nil ? "starting" : (instance.busy > 0 ? "busy" : "idle"),
                    busy: instance.busy, served: instance.served)
            }
        }
    }

    /// How many instances of the engine may run at once.
    public func limit(for manifest: EngineManifest) -> Int {
        settings.instances[manifest.name] ?? manifest.maxInstances
    }

    private func startInstance(_ manifest: EngineManifest) async throws(EngineError) -> EngineLease {
        var options = EngineProcess.Options(logFile: settings.logDirectory.map { "\($0)/\(manifest.name).log" })
        options.sdkDirectory = settings.sdkDirectory
        options.maxLineBytes = settings.maxLineBytes
        options.config = settings.configs[manifest.name] ?? [:]
        options.cpuThreads = max(1, ProcessInfo.processInfo.activeProcessorCount / limit(for: manifest))
        let process = EngineProcess(manifest: manifest, options: options)
        let instance = Instance(id: nextInstanceID, process: process)
        nextInstanceID += 1
        instances[manifest.name, default: []].append(instance)
        let engine = manifest.name
        let id = instance.id
        let exited = settings.exited
        await process.onExit { [weak self] in
            Task {
                if let pid = await process.pid { exited?(pid) }
                await self?.exited(engine: engine, id: id)
            }
        }
        do {
            instance.info = try await process.start()
        } catch {
            retiring.insert(id)
            remove(engine: engine, id: id)
            recordFailure(engine)
            await process.shutdown()
            throw error
        }
        if let pid = await process.pid { settings.started?(engine, pid) }
        instance.busy = 1
        wakeWaiters()  // a concurrent engine can take more jobs now
        return EngineLease(engine: engine, process: process, info: instance.info!, instanceID: id)
    }

    func replaceRegistry(_ registry: EngineRegistry) {
        self.registry = registry
    }

    /// Takes an engine's instances out of service (reload): returns the
    /// idle ones, to be shut down; busy ones drain (see `release`).
    func retireInstances(of engine: String) -> [EngineProcess] {
        let group = instances.removeValue(forKey: engine) ?? []
        failures[engine] = nil
        var idle: [EngineProcess] = []
        for instance in group {
            retiring.insert(instance.id)
            if instance.busy > 0 { draining[instance.id] = instance } else { idle.append(instance.process) }
        }
        wakeWaiters()
        return idle
    }

    private func remove(engine: String, id: Int) {
        instances[engine]?.removeAll { $0.id == id }
        wakeWaiters()
    }

    /// An instance's process ended: a failure unless we asked for it.
    private func exited(engine: String, id: Int) {
        if !closed && !retiring.contains(id) && instances[engine]?.contains(where: { $0.id == id }) == true {
            recordFailure(engine)
        }
        retiring.remove(id)
        remove(engine: engine, id: id)
    }

    private func recordFailure(_ engine: String) {
        let count = (failures[engine]?.count ?? 0) + 1
        let pause = min(settings.restartBackoffMax, settings.restartBackoff * pow(2, Double(count - 1)))
        failures[engine] = (count, .now + .seconds(pause))
    }

    private func wakeWaiters() {
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
}

/// One line of `status`: an engine instance.
public struct InstanceStatus: Sendable, Codable, Equatable {
    public var engine: String
    public var instance: Int
    public var version: String?
    public var state: String
    public var busy: Int
    public var served: Int
}
