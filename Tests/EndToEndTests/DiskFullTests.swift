import AudioSpoolTestKit
import Foundation
import Glibc
import Testing

/// A spool on a 3 MB tmpfs that really fills up.
@Suite(.timeLimit(.minutes(3)), .enabled(if: SmallDisk.canMount, "mounting a tmpfs needs root"))
struct DiskFullTests {
    /// Hidden temporary files anywhere under `path`: partial outputs.
    func leftovers(under path: String) -> [String] {
        let walker = FileManager.default.enumerator(atPath: path)
        var found: [String] = []
        while let entry = walker?.nextObject() as? String {
            if (entry as NSString).lastPathComponent.hasPrefix(".") { found.append(entry) }
        }
        return found
    }

    @Test func aFullDiskLeavesNoPartialOutputAndSaysWhy() async throws {
        let fixture = try SpoolFixture(diskBytes: 3 << 20)
        let supervisor = try await fixture.startSupervisor()
        // The engine's 30 s of 16-bit audio (1.4 MB) fits; its 32-bit float
        // encoding (2.9 MB) does not.
        try fixture.drop("big.json", #"{"engine": "tone", "params": {"seconds": 30}, "output": {"format": "wav", "bit_depth": "32f"}, "max_attempts": 2}"#)
        try await waitUntil("big is in failed/", timeout: .seconds(60)) { fixture.entries(.failed) == ["big"] }

        let failure = try #require(fixture.json(.failed, "big", "error.json"))
        let reason = try #require(failure["error"] as? [String: Any])
        #expect(reason["kind"] as? String == "transient", "a full disk may clear: it is retried")
        #expect((reason["message"] as? String ?? "").contains("No space left on device"), "\(reason)")
        #expect((failure["history"] as? [[String: Any]])?.count == 2, "retried, then failed")
        let kept = try FileManager.default.contentsOfDirectory(atPath: fixture.spool.path(of: .failed, "big")).sorted()
        #expect(kept == ["error.json", "job.json"], "no output, partial or whole, is kept")
        #expect(leftovers(under: fixture.spool.root) == [], "no partial file anywhere in the spool")

        // The supervisor is still up, and once the space is back, jobs run.
        try fixture.drop("small.json", #"{"engine": "tone", "params": {"seconds": 0.5}}"#)
        try await waitUntil("small is in done/", timeout: .seconds(30)) { fixture.entries(.done) == ["small"] }
        supervisor.signal(SIGTERM)
        #expect(await supervisor.wait().status == 0)
    }

    /// Fills the disk under `fixture`'s spool to the last byte.
    func fill(_ fixture: SpoolFixture) async throws {
        let result = try await ChildProcess.run("/bin/dd", ["if=/dev/zero", "of=\(fixture.spool.root)/filler", "bs=4096"])
        #expect(result.stderr.contains("No space left on device"), "\(result.stderr)")
    }

    /// A job claimed on a full disk: the log says the disk is full, not that
    /// orphan recovery took the job, and the job runs once there is room.
    @Test func aJobClaimedOnAFullDiskSaysSoAndRunsLater() async throws {
        let fixture = try SpoolFixture(config: ["orphan_ttl_s": 2, "heartbeat_s": 0.5], diskBytes: 3 << 20)
        let log = fixture.directory.path + "/supervisor.log"
        let supervisor = try await ChildProcess.start(
            "/bin/sh", ["-c", "exec \"$0\" \"$@\" 2>>\(log)", Repository.executable, "run", "--spool", fixture.spool.root, "--engines", fixture.engines])
        try await waitUntil("the supervisor is up", timeout: .seconds(30)) {
            (try? String(contentsOfFile: log, encoding: .utf8))?.contains("supervisor started") == true
        }
        // Written before the disk fills; renamed in after, which takes no space.
        let staging = fixture.spool.tmp + "/job.json"
        try Data(#"{"engine": "tone", "params": {"seconds": 0.2}}"#.utf8).write(to: URL(fileURLWithPath: staging))
        try await fill(fixture)
        #expect(rename(staging, fixture.spool.path(of: .new, "job.json")) == 0)
        try await waitUntil("the supervisor says it cannot take the job", timeout: .seconds(30)) {
            (try? String(contentsOfFile: log, encoding: .utf8))?.contains("cannot take the job") == true
        }
        unlink(fixture.spool.root + "/filler")
        try await waitUntil("job is in done/", timeout: .seconds(60)) { fixture.entries(.done) == ["job"] }
        supervisor.signal(SIGTERM)
        #expect(await supervisor.wait().status == 0)
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains("No space left on device"), "\(text)")
        #expect(!text.contains("lost the job to orphan recovery"), "\(text)")
    }

    /// Start-up on a full disk: the file and the system's words, not
    /// "NSCocoaErrorDomain Code=640".
    @Test func startingOnAFullDiskSaysWhichFileAndWhy() async throws {
        let fixture = try SpoolFixture(diskBytes: 1 << 20)
        try await fill(fixture)
        let run = try await fixture.runUntilIdle()
        #expect(run.status != 0)
        #expect(run.stderr.contains("No space left on device"), "\(run.stderr)")
        #expect(!run.stderr.contains("NSCocoaErrorDomain") && !run.stderr.contains("Usage:"), "\(run.stderr)")
    }
}
