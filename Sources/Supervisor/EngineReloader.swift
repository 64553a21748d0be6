import EngineHost
import Foundation
import Logging

/// Hot reload: looks at the engines folder every `interval` and hands the
/// pool a fresh registry when an engine folder was added, changed or
/// removed. A change is acted on once two scans agree, so an engine being
/// copied in is not started half-written.
struct EngineReloader: Sendable {
    let directory: String
    let pool: EnginePool
    let logger: Logger
    var interval: Duration = .seconds(1)

    func run() async {
        var current = EngineFingerprints.scan(directory)
        var previous = current
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            let scan = EngineFingerprints.scan(directory)
            defer { previous = scan }
            guard scan != current, scan == previous else { continue }
            let changed = scan.changes(since: current)
            current = scan
            let registry = EngineRegistry.load(directory: directory)
            for engine in changed.sorted() {
                if let problem = registry.problems[engine] {
                    logger.error("engine changed and is now unusable", metadata: ["engine": "\(engine)", "error": "\(problem)"])
                } else if let manifest = registry[engine] {
                    logger.info("engine loaded", metadata: ["engine": "\(engine)", "version": "\(manifest.version)"])
                } else {
                    logger.info("engine removed", metadata: ["engine": "\(engine)"])
                }
            }
            await pool.reload(registry, changed: changed)
        }
    }
}
