import EngineProtocol
import Foundation
import Leases

/// Where a job's share of an engine comes from: an instance with room on
/// the device the engine prefers, a new instance (on a GPU slot, if one is
/// free), an idle instance evicted to make room, or a wait.
extension EnginePool {
    enum Placement {
        case lease(EngineLease)
        /// Something changed while deciding; decide again.
        case retry
        /// Wait for a change; `poll` also looks again after a moment.
        case wait(poll: Bool)
    }

    func place(_ manifest: EngineManifest, job: String?, cpuBecause: String?) async throws(EngineError) -> Placement {
        let engine = manifest.name
        let group = instances[engine] ?? []
        // A gpu-preferred engine limited to no CPU instances waits for a GPU, as a gpu engine does.
        let allowsCPU = manifest.device == .cpu || (manifest.device == .gpuPreferred && manifest.maxCPUInstances > 0)
        let wantsGPU = manifest.device != .cpu && (cpuBecause == nil || !allowsCPU)
        var reason = cpuBecause
        var poll = false

        if wantsGPU {
            if let instance = group.first(where: { $0.onGPU && $0.hasRoom }) {
                guard let lease = await take(instance, engine: engine, job: job, fallbackReason: nil) else { return .retry }
                return .lease(lease)
            }
            let slots = settings.gpuSlots
            let impossible: String? =
                if let slots { slots.impossibility(slots: manifest.gpu.slots, memoryMB: manifest.gpu.memoryMB) } else { "this host has no GPU" }
            if let impossible {
                guard allowsCPU else {
                    throw EngineError(.unsupported, "engine \(engine) runs only on a GPU, and \(impossible)")
                }
                reason = impossible
            } else if let slots {
                if let blocked = blocked(manifest, gpu: true) {
                    if blocked.global, let victim = evictionCandidate(gpu: true, sparing: engine) {
                        retire(victim.instance, engine: victim.engine, because: "it was idle and \(blocked.message) (for engine \(engine))")
                        return .wait(poll: false)
                    }
                    reason = slots.hasFreeSlot() ? blocked.message : "no free GPU slot"
                    poll = true
                } else if let until = backoff(engine) {
                    try? await Task.sleep(until: until, clock: .continuous)
                    return .retry
                } else if let gpuLease = slots.acquire(
                    slots: manifest.gpu.slots, memoryMB: manifest.gpu.memoryMB,
                    holder: .current(engine: engine, job: job, memoryMB: manifest.gpu.memoryMB)
                ) {
                    slots.withdrawWaiting()
                    let device = Device(kind: .cuda, index: gpuLease.gpu.index, uuid: gpuLease.gpu.uuid)
                    return .lease(try await startInstance(manifest, device: device, gpuLease: gpuLease, job: job, fallbackReason: nil))
                } else if let victim = idleGPUHolder(notOf: engine) {
                    // A GPU job waits and an idle instance of another engine has the slot.
                    retire(victim.instance, engine: victim.engine, because: "it was idle and engine \(engine) needs its GPU slot")
                    return .wait(poll: false)
                } else {
                    reason = "no free GPU slot"
                    poll = true
                    // Another supervisor's idle instance may hold it; ask.
                    if !allowsCPU { slots.announceWaiting() }
                }
            }
        }

        if allowsCPU {
            let fallback = manifest.device == .gpuPreferred ? reason : nil
            if let instance = group.first(where: { !$0.onGPU && $0.hasRoom }) {
                guard let lease = await take(instance, engine: engine, job: job, fallbackReason: fallback) else { return .retry }
                return .lease(lease)
            }
            if let blocked = blocked(manifest, gpu: false) {
                if blocked.global, let victim = evictionCandidate(gpu: false, sparing: engine) {
                    retire(victim.instance, engine: victim.engine, because: "it was idle and \(blocked.message) (for engine \(engine))")
                    return .wait(poll: false)
                }
            } else if let until = backoff(engine) {
                try? await Task.sleep(until: until, clock: .continuous)
                return .retry
            } else {
                return .lease(try await startInstance(manifest, device: .cpu, gpuLease: nil, job: job, fallbackReason: fallback))
            }
        }
        return .wait(poll: poll)
    }

    /// What keeps a new instance of the engine from starting on the device,
    /// if anything; `global` when it is a limit across engines.
    func blocked(_ manifest: EngineManifest, gpu: Bool) -> (message: String, global: Bool)? {
        let group = instances[manifest.name] ?? []
        let onDevice = group.filter { $0.onGPU == gpu }.count
        let deviceLimit = gpu ? manifest.maxGPUInstances : (manifest.device == .cpu ? limit(for: manifest) : manifest.maxCPUInstances)
        let device = gpu ? "GPU" : "CPU"
        if group.count >= limit(for: manifest) || onDevice >= deviceLimit {
            return ("engine \(manifest.name)'s \(device) instances are busy", false)
        }
        let all = instances.values.flatMap { $0 }
        let allOnDevice = all.filter { $0.onGPU == gpu }.count
        if let limit = gpu ? settings.limits.gpu : settings.limits.cpu, allOnDevice >= limit {
            return ("the limit of \(limit) \(device) instances is reached", true)
        }
        if let limit = settings.limits.total, all.count >= limit {
            return ("the limit of \(limit) instances is reached", true)
        }
        return nil
    }

    /// The idle instance to shut down so one may start on the device under
    /// the global limits: the longest idle, preferring other engines.
    func evictionCandidate(gpu: Bool, sparing engine: String) -> (engine: String, instance: Instance)? {
        let all = instances.flatMap { name, group in group.map { (engine: name, instance: $0) } }
        let onDevice = all.filter { $0.instance.onGPU == gpu }.count
        // At the device's limit only an instance on that device makes room;
        // at the total limit any does.
        let deviceFull = (gpu ? settings.limits.gpu : settings.limits.cpu).map { onDevice >= $0 } ?? false
        let candidates = all.filter { $0.instance.isIdle && (!deviceFull || $0.instance.onGPU == gpu) }
        return candidates.min { a, b in
            ((a.engine == engine ? 1 : 0), a.instance.idleSince) < ((b.engine == engine ? 1 : 0), b.instance.idleSince)
        }
    }

    /// An idle instance of another engine that holds GPU slots.
    func idleGPUHolder(notOf engine: String) -> (engine: String, instance: Instance)? {
        instances.flatMap { name, group in group.map { (engine: name, instance: $0) } }
            .filter { $0.engine != engine && $0.instance.isIdle && $0.instance.gpuLease != nil }
            .min { $0.instance.idleSince < $1.instance.idleSince }
    }

    /// When a failing engine may start again, if it must still wait.
    func backoff(_ engine: String) -> ContinuousClock.Instant? {
        guard let failure = failures[engine], failure.until > .now else { return nil }
        return failure.until
    }
}
