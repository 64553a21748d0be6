import AudioSpoolTestKit
import Basics
import Foundation
import Spool
import Synchronization
import Testing

/// serve's JobWatcher waits a moment after each batch of inotify events,
/// so a burst of deliveries wakes it a few times, not once per job: its
/// batches are at least 2 ms apart, and every delivery is still reported.
@Suite struct JobWatcherGatheringTests {
    let directory = TemporaryDirectory()

    @Test func aBurstOfDeliveriesComesInBatchesAtLeastTwoMillisecondsApart() async throws {
        let spool = Spool(root: directory.path + "/spool")
        try spool.create()
        let watcher = try JobWatcher(spool: spool)
        let batches = Mutex<[(at: ContinuousClock.Instant, arrived: Int)]>([])
        watcher.reportNewEntries(to: .init(events: { events in
            let arrived = events.filter { if case .arrived = $0 { true } else { false } }.count
            batches.withLock { $0.append((.now, arrived)) }
        }, ended: {}))
        watcher.start { _ in }
        defer { watcher.stop() }
        let folders = DeliveryFolders(spool: spool)
        let count = 300
        for index in 0..<count { _ = try folders.deliver(job: Data("{}".utf8), id: "job-\(index)", durable: false) }
        try await waitUntil("every delivery is reported") { batches.withLock { $0.reduce(0) { $0 + $1.arrived } } == count }
        let seen = batches.withLock { $0.filter { $0.arrived > 0 } }
        let span = seen.last!.at - seen.first!.at
        // A reader that woke for each event would make batches closer together than this.
        #expect(seen.count - 1 <= Int(span / .milliseconds(2)) + 1, "\(seen.count) batches in \(span)")
        #expect(seen.count < count)
    }
}
