import AudioSpoolTestKit
import Foundation
import Leases
import Testing

/// One read of /proc/locks answers for every slot file of a pass.
@Suite struct HeldLocksTests {
    @Test func oneSnapshotAnswersForManyFiles() throws {
        let directory = TemporaryDirectory()
        let paths = (0..<4).map { directory.path + "/gpu0.slot\($0)" }
        let held = try [0, 2].map { try #require(SlotLock.tryAcquire(paths[$0])) }
        for path in [paths[1], paths[3]] { FileManager.default.createFile(atPath: path, contents: Data()) }
        let locks = HeldLocks()
        #expect(paths.map(locks.isHeld) == [true, false, true, false])
        #expect(!locks.isHeld(directory.path + "/missing"))
        for lock in held { lock.release() }
        // A snapshot is of its moment; a new one sees the releases.
        #expect(paths.map(HeldLocks().isHeld) == [false, false, false, false])
    }
}
