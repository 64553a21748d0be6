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
}
