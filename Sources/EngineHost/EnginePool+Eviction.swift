import EngineProtocol
import Foundation

/// Shutting instances down on purpose: idle past their keep-alive, evicted
/// to make room, or restarted after running out of memory. Their GPU slots
/// are freed when their process is gone.
extension EnginePool {
    /// Shuts down every instance idle longer than its keep-alive (the
    /// manifest's `keep_alive_s`, else the pool's). Returns how many.
    @discardableResult
    public func evictIdle(now: ContinuousClock.Instant = .now) -> Int {
        var evicted = 0
        for (engine, group) in instances {
            let keepAlive = registry[engine]?.keepAliveSeconds ?? settings.keepAliveSeconds
            guard keepAlive >= 0 else { continue }
            for instance in group where instance.isIdle && now - instance.idleSince >= .seconds(keepAlive) {
                retire(instance, engine: engine, because: "it was idle for longer than its keep-alive of \(keepAlive)s")
                evicted += 1
            }
        }
        // A supervisor on this host waits for a slot that only we can free.
        if evicted == 0, let slots = settings.gpuSlots, slots.othersAreWaiting(),
           let victim = instances.flatMap({ name, group in group.map { (engine: name, instance: $0) } })
               .filter({ $0.instance.isIdle && $0.instance.gpuLease != nil })
               .min(by: { $0.instance.idleSince < $1.instance.idleSince }) {
            retire(victim.instance, engine: victim.engine, because: "it was idle and another supervisor on this host waits for a GPU slot")
            evicted += 1
        }
        return evicted
    }

    /// Takes no more work on the instance and shuts it down once its jobs
    /// are done; it counts against the limits until it has exited.
    func retire(_ instance: Instance, engine: String, because reason: String) {
        if !instance.stopping {
            instance.stopping = true
            retiring.insert(instance.id)
        }
        guard instance.busy == 0, !instance.shutdownSent else { return }  // release() calls again
        instance.shutdownSent = true
        let process = instance.process
        let id = instance.id
        let retired = settings.retired
        Task {
            retired?(engine, await process.pid, process.device.description, reason)
            await process.shutdown()
            self.exited(engine: engine, id: id)
        }
    }
}
