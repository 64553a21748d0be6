import Basics
import Foundation
import Glibc
import Testing

/// What a network file system adds (SPOOL.md, "Network file systems"),
/// driven by the answers NFS gives: ESTALE, and a rename reported failed
/// after a retransmission found it done.
@Suite struct NetworkFileSystemTests {
    @Test func aStaleHandleIsTriedOnceMoreThenReadsAsGone() {
        var calls = 0
        let once = FileSystem.retryingStale {
            calls += 1
            if calls == 1 { errno = ESTALE; return -1 }
            return 0
        }
        #expect(once == 0 && calls == 2, "a second try succeeds")
        calls = 0
        let twice = FileSystem.retryingStale {
            calls += 1
            errno = ESTALE
            return -1
        }
        #expect(twice == -1 && calls == 2 && errno == ENOENT, "still stale: gone")
        calls = 0
        _ = FileSystem.retryingStale {
            calls += 1
            errno = EACCES
            return -1
        }
        #expect(calls == 1, "only ESTALE is retried")
    }

    @Test func aRenameThatReportsFailureIsCheckedAtItsTarget() throws {
        let folder = try temporaryFolder()
        defer { try? FileSystem.removeTree(folder) }
        try FileSystem.writeAtomically(Data("job".utf8), to: folder + "/from")
        let before = FileSystem.info(folder + "/from")
        // The first request did it; its retransmission answers ENOENT.
        #expect(Glibc.rename(folder + "/from", folder + "/to") == 0)
        let lost = FileSystemError("rename", folder + "/from", .noSuchFileOrDirectory)
        #expect(FileSystem.renameHappened(lost, before: before, from: folder + "/from", to: folder + "/to"))
        // Another entry at the target: someone else's, not this rename's.
        try FileSystem.writeAtomically(Data("other".utf8), to: folder + "/other")
        let otherBefore = FileSystem.info(folder + "/other")
        #expect(!FileSystem.renameHappened(lost, before: otherBefore, from: folder + "/other", to: folder + "/to"))
        #expect(!FileSystem.renameHappened(FileSystemError("rename", "x", .permissionDenied), before: before, from: folder + "/from", to: folder + "/to"))
    }
}
