import Foundation

extension EnginePool {
    /// Takes a fresh registry (hot reload). Instances of the `changed`
    /// engines are retired: new jobs start new instances from the new
    /// manifest, idle old instances shut down now, and busy ones finish
    /// their jobs and shut down when released.
    public func reload(_ registry: EngineRegistry, changed: Set<String>) async {
        replaceRegistry(registry)
        var idle: [EngineProcess] = []
        for engine in changed {
            idle += retireInstances(of: engine)
        }
        await withTaskGroup(of: Void.self) { group in
            for process in idle {
                group.addTask { await process.shutdown() }
            }
        }
    }
}
