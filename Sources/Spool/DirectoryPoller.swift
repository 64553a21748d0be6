import Basics
import Foundation
import Glibc
import Synchronization

/// Lists a folder every `interval` and reports names that appeared or went:
/// how a supervisor on a network file system sees what other hosts did,
/// which inotify never reports. A poll is one `readdir` of the folder and
/// nothing else, so it costs what the folder holds (`new/`, `cancel/`),
/// never what `done/` holds.
final class DirectoryPoller: Sendable {
    let directory: String
    let interval: Duration
    private let stopped = Atomic<Bool>(false)

    init(directory: String, interval: Duration) {
        self.directory = directory
        self.interval = interval
    }

    /// Calls `appeared` and `vanished` on a thread of its own until `stop()`.
    /// The first listing is the baseline: what is there already, the
    /// caller's own scan found.
    func start(
        appeared: @escaping @Sendable (String) -> Void, vanished: @escaping @Sendable (String) -> Void,
        baseline: Set<String>? = nil
    ) {
        let thread = Thread { [self] in self.loop(appeared: appeared, vanished: vanished, baseline: baseline) }
        thread.name = "poller"
        thread.start()
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    private func loop(appeared: (String) -> Void, vanished: (String) -> Void, baseline: Set<String>?) {
        var known = baseline ?? Set(((try? FileSystem.list(directory)) ?? []).filter { !$0.hasPrefix(".") })
        // Polls on a fixed cadence: each listing starts `interval` after the
        // one before, not `interval` after it ended, so a slow listing (a
        // network file system's readdir) does not stretch every cycle.
        var next = ContinuousClock.now + interval
        while !stopped.load(ordering: .relaxed) {
            let started = ContinuousClock.now
            if next > started {
                let wait = next - started
                usleep(UInt32(clamping: wait.components.seconds * 1_000_000 + wait.components.attoseconds / 1_000_000_000_000))
            }
            // Behind (a listing took longer than the interval): list at once, and keep the cadence from now.
            next = max(next, ContinuousClock.now) + interval
            if stopped.load(ordering: .relaxed) { return }
            // A failed listing (ESTALE on a server restart) is not "all gone".
            guard let names = try? FileSystem.list(directory) else { continue }
            let now = Set(names.filter { !$0.hasPrefix(".") })
            for name in now.subtracting(known).sorted() { appeared(name) }
            for name in known.subtracting(now) { vanished(name) }
            known = now
        }
    }
}
