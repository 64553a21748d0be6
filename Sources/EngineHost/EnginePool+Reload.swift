import Foundation

extension EnginePool {
    /// Takes a fresh registry (hot reload). Instances of the `changed`
    /// engines are retired like evicted ones: new jobs start new instances
    /// from the new manifest, idle old instances shut down now (freeing any
    /// GPU slot), and busy ones finish their jobs and then shut down.
    public func reload(_ registry: EngineRegistry, changed: Set<String>) {
        replaceRegistry(registry)
        for engine in changed {
            failures[engine] = nil
            for instance in instances[engine] ?? [] {
                retire(instance, engine: engine, because: "its engine folder changed")
            }
        }
        wakeWaiters()
    }
}
