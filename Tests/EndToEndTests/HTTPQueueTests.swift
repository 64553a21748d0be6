import AudioSpoolTestKit
import Foundation
import Glibc
import Spool
import Testing

/// serve's index of new/: jobs dropped by hand or by another process are
/// found and placed by the watcher's events, removed ones go, and a
/// job's place follows the claim order (priority, then arrival).
@Suite(.timeLimit(.minutes(3))) struct HTTPQueueTests {
    @Test func theQueueFollowsWhatOthersDropAndTake() async throws {
        let fixture = try SpoolFixture()
        let serve = try await ServeProcess.start(fixture)
        let job = #"{"engine": "tone", "params": {"seconds": 0.1}}"#
        // One inotify descriptor wakes for each delivery: the notifier's
        // watcher reports new/ to the index too.
        let pid = try #require(serve.process.pid)
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")
        let inotify = descriptors.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")) == "anon_inode:inotify" }
        #expect(inotify.count == 1, "serve holds \(inotify.count) inotify descriptors")

        // Delivered through serve, then by hand as each kind of entry: a
        // job file, a text file, a job folder of a higher priority, a name with a maildir info suffix.
        // Arrival is the change time, whose clock ticks every few ms, so drops
        // in one tick tie and go by id: the ids sort in the order they are dropped.
        let posted = try await serve.curl("/v1/jobs", ["-H", "Content-Type: application/json", "--data-binary", job])
        let postedID = try #require(posted.json["id"] as? String)
        #expect(posted.json["queue_position"] as? Int == 1)
        try fixture.drop("u1-by-hand.json", job)
        try fixture.drop("u2-words.txt", "Some words to speak.")
        let folder = fixture.spool.tmp + "/urgent"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        try Data(#"{"engine": "tone", "params": {"seconds": 0.1}, "priority": 9}"#.utf8).write(to: URL(fileURLWithPath: folder + "/job.json"))
        #expect(rename(folder, fixture.spool.path(of: .new, "urgent")) == 0)
        try fixture.drop("u3-flagged.json:2,S", job)

        func position(_ id: String) async throws -> Int? {
            let reply = try await serve.curl("/v1/jobs/\(id)")
            return reply.status == 200 ? reply.json["queue_position"] as? Int : nil
        }
        // The urgent folder goes first; the others keep their order of arrival.
        try await waitUntilAsync("serve places every dropped job") {
            (try? await position("u3-flagged")) == 5
        }
        #expect(try await position("urgent") == 1)
        #expect(try await position(postedID) == 2)
        #expect(try await position("u1-by-hand") == 3)
        #expect(try await position("u2-words") == 4)
        let queue = try await serve.curl("/v1/queue")
        #expect((queue.json["counts"] as? [String: Any])?["queued"] as? Int == 5, "\(queue.text)")

        // Taken by someone else (a supervisor's claim is a rename out of new/): gone, and the rest move up.
        #expect(unlink(fixture.spool.path(of: .new, "u1-by-hand.json")) == 0)
        try await waitUntilAsync("serve sees the job go") {
            (try? await serve.curl("/v1/jobs/u1-by-hand").status) == 404
        }
        #expect(try await position("u2-words") == 3)
        #expect(try await position("u3-flagged") == 4)

        // A supervisor claims them all, in that order; none stays queued in serve's eyes.
        let supervisor = try await fixture.startSupervisor()
        try await waitUntilAsync("every job ran", timeout: .seconds(60)) {
            fixture.entries(.new).isEmpty && fixture.entries(.cur).isEmpty
        }
        _ = supervisor
        let after = try await serve.curl("/v1/queue")
        #expect((after.json["counts"] as? [String: Any])?["queued"] as? Int == 0, "\(after.text)")
        #expect(try await serve.curl("/v1/jobs/urgent").json["state"] as? String == "done")
    }

    /// Where the spool is polled, a lookup can find a job before the
    /// poller lists it; claimed before the poller's next listing, the poller
    /// never reports it gone. It must still leave the queue within two
    /// polls, not at the 30 s reconciliation.
    @Test func aJobALookupFoundLeavesTheQueueWhenTakenBeforeAPoll() async throws {
        let fixture = try SpoolFixture(config: ["watch": "poll", "poll_interval_ms": 2000])
        let serve = try await ServeProcess.start(fixture)
        try fixture.drop("ghost.json", #"{"engine": "tone", "params": {"seconds": 0.1}}"#)
        let found = try await serve.curl("/v1/jobs/ghost")
        #expect(found.json["state"] as? String == "queued", "\(found.text)")
        #expect(unlink(fixture.spool.path(of: .new, "ghost.json")) == 0)
        let started = ContinuousClock.now
        try await waitUntilAsync("the job leaves the queue", timeout: .seconds(15)) {
            let queue = try? await serve.curl("/v1/queue")
            return (queue?.json["counts"] as? [String: Any])?["queued"] as? Int == 0
        }
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(try await serve.curl("/v1/jobs/ghost").status == 404)
    }
}
