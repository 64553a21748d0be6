import AudioSpoolTestKit
import Basics
import Foundation
import Spool
import Testing

@Suite struct PendingQueueTests {
    let directory = TemporaryDirectory()
    let spool: Spool

    init() throws {
        spool = Spool(root: directory.path + "/spool")
        try spool.create()
    }

    func queue(settle: TimeInterval = 0) -> PendingQueue {
        PendingQueue(spool: spool, settle: settle, defaultPriority: 5, limits: SpoolLimits())
    }

    func drop(_ name: String, _ contents: String = #"{"engine":"tone"}"#) {
        directory.write("spool/new/" + name, contents)
    }

    func drain(_ queue: inout PendingQueue) -> [String] {
        var names: [String] = []
        while let next = queue.next() { names.append(next.entryName) }
        return names
    }

    @Test func higherPriorityFirstThenArrivalOrder() throws {
        var queue = queue()
        for (name, priority) in [("a", 5), ("b", 9), ("c", 0), ("d", 9), ("e", 5)] {
            drop("\(name).json", #"{"engine":"tone","priority":\#(priority)}"#)
            queue.handle(.arrived("\(name).json"))
        }
        drop("f.txt", "text runs at the default priority")
        queue.handle(.arrived("f.txt"))
        #expect(drain(&queue) == ["b.json", "d.json", "a.json", "e.json", "f.txt", "c.json"])
    }

    /// A supervisor starting on a full new/ knows only a listing; it must
    /// still claim one priority's jobs oldest first.
    @Test func theFirstScanQueuesOldestFirst() throws {
        let names = (0..<12).map { "job-\(String(UnicodeScalar(UInt8(ascii: "z") - UInt8($0))))" + ".json" }
        var previous: Date?
        for name in names {
            // Each entry arrives after the one before by the file system's
            // own clock, which may tick coarsely: rewritten until it has.
            repeat {
                drop(name)
            } while previous.map { FileSystem.info(spool.path(of: .new, name))!.changed <= $0 } ?? false
            previous = FileSystem.info(spool.path(of: .new, name))!.changed
        }
        var queue = queue()
        try queue.rescan()
        #expect(drain(&queue) == names)
    }

    @Test func aFolderJobsPriorityComesFromItsJobFile() throws {
        var queue = queue()
        drop("low.json", #"{"engine":"tone","priority":1}"#)
        drop("urgent/job.json", #"{"engine":"tone","priority":8}"#)
        queue.handle(.arrived("low.json"))
        queue.handle(.arrived("urgent"))
        #expect(drain(&queue) == ["urgent", "low.json"])
    }

    @Test func anUnreadableJobStillQueuesAtTheDefaultPriority() {
        var queue = queue()
        drop("broken.json", "{not json")
        queue.handle(.arrived("broken.json"))
        #expect(drain(&queue) == ["broken.json"])
    }

    @Test func aFileCreatedInPlaceWaitsForItsWriterToClose() throws {
        var queue = queue(settle: 60)
        drop("slow.json", "{")
        queue.handle(.created("slow.json", isDirectory: false))
        try queue.rescan()
        #expect(queue.next() == nil, "half-written files must not be claimed")
        #expect(queue.waitingCount == 1)
        queue.handle(.closed("slow.json"))
        #expect(queue.next()?.entryName == "slow.json")
    }

    @Test func anEntryFoundOnlyByAScanSettlesFirst() throws {
        var queue = queue(settle: 0.3)
        drop("found.json")
        try queue.rescan()
        #expect(queue.next() == nil)
        try queue.rescan(now: Date().addingTimeInterval(1))
        #expect(queue.next()?.entryName == "found.json")
    }

    /// A folder made in place (no close event) settles by its own deadline,
    /// looked at again without listing new/.
    @Test func aSettlingEntryIsReadyAfterItsQuietTimeWithoutARescan() throws {
        var queue = queue(settle: 0.5)
        try FileManager.default.createDirectory(atPath: spool.new + "/folder", withIntermediateDirectories: false)
        queue.handle(.created("folder", isDirectory: true))
        directory.write("spool/new/folder/job.json", #"{"engine":"tone"}"#)
        queue.recheckSettling()
        #expect(queue.next() == nil && queue.waitingCount == 1, "not before its quiet time")
        // First look after the deadline sees its real contents, the next one that they stayed so.
        queue.recheckSettling(now: Date().addingTimeInterval(5))
        #expect(queue.next() == nil)
        queue.recheckSettling(now: Date().addingTimeInterval(10))
        #expect(queue.next()?.entryName == "folder")
        #expect(queue.waitingCount == 0)
    }

    @Test func aSettlingEntryThatWentAwayIsForgotten() throws {
        var queue = queue(settle: 0.1)
        drop("gone.json")
        queue.handle(.created("gone.json", isDirectory: false))
        try FileSystem.removeTree(spool.new + "/gone.json")
        queue.recheckSettling(now: Date().addingTimeInterval(1))
        #expect(queue.isEmpty && queue.waitingCount == 0)
    }

    @Test func aScanForgetsWhatOthersClaimed() throws {
        var queue = queue()
        drop("taken.json")
        queue.handle(.arrived("taken.json"))
        try FileSystem.removeTree(spool.new + "/taken.json")
        try queue.rescan()
        #expect(queue.isEmpty)
        #expect(queue.next() == nil)
    }

    @Test func dotFilesNeverQueue() throws {
        var queue = queue()
        drop(".partial.json")
        queue.handle(.arrived(".partial.json"))
        try queue.rescan(now: Date().addingTimeInterval(60))
        #expect(queue.isEmpty)
    }
}

@Suite struct DelayedEntryTests {
    let directory = TemporaryDirectory()
    let spool: Spool

    init() throws {
        spool = Spool(root: directory.path + "/spool")
        try spool.create()
    }

    @Test func anEntryWaitsForItsNotBefore() throws {
        var queue = PendingQueue(spool: spool, settle: 0, defaultPriority: 5, limits: SpoolLimits())
        let later = Date().addingTimeInterval(3600)
        directory.write("spool/new/later.json", #"{"engine":"tone","not_before":"\#(Timestamp.string(later))"}"#)
        directory.write("spool/new/now.json", #"{"engine":"tone"}"#)
        queue.handle(.arrived("later.json"))
        queue.handle(.arrived("now.json"))
        #expect(queue.next()?.entryName == "now.json")
        #expect(queue.next() == nil, "the delayed job must wait")
        #expect(queue.nextDue.map { abs($0.timeIntervalSince(later)) < 0.01 } == true)
        #expect(queue.hasWork(horizon: 60) == false, "an hour away is not work for --until-idle")
        queue.promoteDue(now: later.addingTimeInterval(1))
        #expect(queue.next()?.entryName == "later.json")
    }

    @Test func aRetryWaitsForItsBackoff() throws {
        var queue = PendingQueue(spool: spool, settle: 0, defaultPriority: 5, limits: SpoolLimits())
        var attempt = AttemptRecord(number: 1, host: "h", pid: 1, startedAt: "t")
        attempt.retryAt = Timestamp.string(Date().addingTimeInterval(30))
        directory.write("spool/new/again/job.json", #"{"engine":"tone"}"#)
        // As the supervisor leaves a retried job: its own record, and attempts.json beside it.
        try spool.save(CarriedRecord(id: "again", attempts: [attempt]), for: JobFolder(path: spool.path(of: .new, "again")))
        queue.handle(.arrived("again"))
        #expect(queue.next() == nil)
        #expect(queue.hasWork(horizon: 60), "a retry due soon is work")
        queue.promoteDue(now: Date().addingTimeInterval(31))
        #expect(queue.next()?.entryName == "again")
    }

    @Test func retryBringsAFailedJobBackWithoutItsVerdict() throws {
        directory.write("spool/failed/broken/job.json", #"{"engine":"tone"}"#)
        directory.write("spool/failed/broken/error.json", "{}")
        directory.write("spool/failed/broken/attempts.json", "[]")
        #expect(try spool.retryFailed("broken") == "broken")
        #expect(try FileSystem.list(spool.new + "/broken") == ["job.json"])
        #expect(throws: FileSystemError.self) { try spool.retryFailed("nothing") }
    }
}
