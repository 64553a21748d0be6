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
                retire(instance, engine: engine)
                evicted += 1
            }
        }
        return evicted
    }

    /// Takes no more work on the instance and shuts it down once its jobs
    /// are done; it counts against the limits until it has exited.
    func retire(_ instance: Instance, engine: String) {
        if !instance.stopping {
            instance.stopping = true
            retiring.insert(instance.id)
        }
        guard instance.busy == 0, !instance.shutdownSent else { return }  // release() calls again
        instance.shutdownSent = true
        let process = instance.process
        let id = instance.id
        Task {
            await process.shutdown()
            self.exited(engine: engine, id: id)
        }
    }
}
