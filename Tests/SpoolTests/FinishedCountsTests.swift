import AudioSpoolTestKit
import Basics
import Foundation
import Glibc
import Spool
import Testing

/// done/ and failed/ counted once, then kept by the transitions reported,
/// and recounted only when a folder changed behind the counter's back.
@Suite struct FinishedCountsTests {
    let directory = TemporaryDirectory()
    var spool: Spool { Spool(root: directory.path + "/spool") }

    func makeJobs(_ n: Int, in folder: Spool.Folder, from first: Int = 0) throws {
        for index in first..<(first + n) {
            try FileManager.default.createDirectory(atPath: spool.path(of: folder, "job\(index)"), withIntermediateDirectories: false)
        }
    }

    /// Puts a folder's mtime back, so a change cannot be seen by it.
    func restoreModified(_ folder: Spool.Folder, to info: FileSystem.EntryInfo) {
        let seconds = info.modified.timeIntervalSince1970
        var times = [timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9)),
                     timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))]
        _ = utimensat(AT_FDCWD, spool.path(of: folder), &times, 0)
    }

    @Test func countsOnceThenFollowsWhatItIsTold() throws {
        try spool.create()
        try makeJobs(5, in: .done)
        try makeJobs(2, in: .failed)
        let counts = FinishedCounts(spool: spool, recountInterval: .seconds(3600))
        #expect(counts.current() == [.done: 5, .failed: 2])
        counts.add(.done, 3)
        counts.remove(.failed)
        #expect(counts.current() == [.done: 8, .failed: 1])
    }

    @Test func anUnchangedFolderIsNotListedAgain() throws {
        try spool.create()
        try makeJobs(4, in: .done)
        let counts = FinishedCounts(spool: spool, recountInterval: .zero)
        #expect(counts.current()[.done] == 4)
        // A job slipped in without the folder's mtime changing: only a
        // listing could see it, and an unchanged folder is not listed.
        let before = try #require(FileSystem.info(spool.done))
        try makeJobs(1, in: .done, from: 100)
        restoreModified(.done, to: before)
        #expect(counts.current()[.done] == 4)
        // Touched: recounted.
        try makeJobs(1, in: .done, from: 200)
        #expect(counts.current()[.done] == 6)
    }

    @Test func aChangeElsewhereIsRecountedAfterTheInterval() throws {
        try spool.create()
        try makeJobs(3, in: .failed)
        let counts = FinishedCounts(spool: spool, recountInterval: .seconds(30))
        try makeJobs(2, in: .failed, from: 10)
        let now = ContinuousClock.now
        #expect(counts.current(now: now)[.failed] == 3, "within the interval, the kept count stands")
        #expect(counts.current(now: now + .seconds(31))[.failed] == 5)
    }
}
