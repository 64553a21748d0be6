import EngineHost
import Foundation
import Logging
import Spool

/// Hot reload: hands the pool a fresh registry when an engine folder was
/// added, changed or removed. It looks when inotify says something under
/// the engines folder changed (and every `safetyInterval`, for changes
/// inotify cannot see); where inotify cannot be had, every `pollInterval`.
/// A change is acted on once two looks `settle` apart agree, so an engine
/// being copied in is not started half-written.
struct EngineReloader: Sendable {
    let directory: String
    let pool: EnginePool
    let logger: Logger
    var pollInterval: Duration = .seconds(1)
    var safetyInterval: Duration = .seconds(60)
    var settle: Duration = .seconds(1)
    /// Poll mode (config.json's `watch`): look this often, without inotify,
    /// which sees no other host's changes to a shared engines folder.
    var polling: Duration?

    func run() async {
        var current = EngineFingerprints.scan(directory)
        // One pending wake-up is enough: a look sees every change before it.
        let (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let watcher = polling == nil ? try? TreeWatcher(root: directory) : nil
        watcher?.start { wake.yield() }
        if watcher == nil && polling == nil {
            logger.info("engines folder has no inotify; polling it", metadata: ["interval_s": "\(pollInterval.components.seconds)"])
        }
        let interval = polling ?? (watcher == nil ? pollInterval : safetyInterval)
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                wake.yield()
            }
        }
        defer {
            ticker.cancel()
            watcher?.stop()
        }
        for await _ in wakes {
            if Task.isCancelled { break }
            var scan = EngineFingerprints.scan(directory)
            guard scan != current else { continue }
            // Still changing (a copy in progress): wait until two looks agree.
            while !Task.isCancelled {
                try? await Task.sleep(for: settle)
                let again = EngineFingerprints.scan(directory)
                if again == scan { break }
                scan = again
            }
            let changed = scan.changes(since: current)
            current = scan
            await reload(changed)
        }
    }

    private func reload(_ changed: Set<String>) async {
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
