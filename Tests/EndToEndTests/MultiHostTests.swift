import AudioSpoolTestKit
import Basics
import Foundation
import Glibc
import Spool
import Testing

/// Two hosts, one spool, on a real distributed file system: a JuiceFS
/// volume (metadata in Redis, data in a local folder) mounted twice over
/// FUSE, each mount a host with its own supervisor and `--host`. Serialized:
/// the liveness tests judge seconds of silence, and the machine is small.
@Suite(.serialized, .enabled(if: JuiceFSPair.available, "needs root, /dev/fuse and redis-server"), .timeLimit(.minutes(3)))
struct MultiHostTests {
    @Test func jobsDroppedThroughBothMountsAreRunByBothHostsOnceEach() async throws {
        let hosts = try MultiHostFixture(pair: try await MultiHostFixture.sharedPair())
        try await hosts.start(.a)
        try await hosts.start(.b)
        try await hosts.waitUntilUp("a")
        try await hosts.waitUntilUp("b")
        let ids = (1...12).map { "job\($0)" }
        for (index, id) in ids.enumerated() {
            // Different frequencies: no job is another's cached result.
            let job = #"{"engine": "tone", "params": {"seconds": 0.4, "pace": 1, "frequency": \#(200 + index)}}"#
            try hosts.drop(id + ".json", job, through: index % 2 == 0 ? .a : .b)
        }
        try await hosts.waitUntilFinished(ids.count)
        #expect(hosts.entries(.done) == ids.sorted())
        let runs = hosts.runs()
        for id in ids { #expect(runs[id]?.count == 1, "\(id) ran \(runs[id] ?? [])") }
        let byHost = Dictionary(grouping: runs.values.flatMap { $0 }, by: { $0 }).mapValues(\.count)
        #expect(byHost["a", default: 0] > 0 && byHost["b", default: 0] > 0, "both hosts ran jobs: \(byHost)")

        // Each host wrote its own state, and says it polls because of FUSE.
        for host in ["a", "b"] {
            let state = try #require(hosts.spool(.a).state.read(SupervisorState.self, from: hosts.spool(.a).state.host(host).supervisorFile))
            #expect(state.host == host)
            #expect(state.watch?.mode == .poll && state.watch?.intervalMilliseconds == 100 && state.watch?.reason == "the spool is on fuse")
        }
        let status = try await hosts.cli(.b, "status", "--json")
        let overview = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let supervisors = try #require(overview["supervisors"] as? [[String: Any]])
        #expect(Set(supervisors.compactMap { $0["host"] as? String }) == ["a", "b"])
        #expect(!FileManager.default.fileExists(atPath: hosts.spool(.a).state.legacySupervisorFile), "no file shared by the hosts")
    }

    @Test func aJobDroppedThroughBIsClaimedByASupervisorOnA() async throws {
        let hosts = try MultiHostFixture(pair: try await MultiHostFixture.sharedPair())
        try await hosts.start(.a)
        try await hosts.waitUntilUp("a")
        // Nothing runs on B: only A's poll of new/ can find it (inotify
        // sees no other client's change, and the rescan is an hour away).
        try hosts.drop("from-b.json", MultiHostFixture.tone(seconds: 0.1), through: .b)
        try await hosts.waitUntilFinished(1, timeout: .seconds(20))
        #expect(hosts.entries(.done, through: .b) == ["from-b"])
        #expect(hosts.runs()["from-b"] == ["a"])
        let claimed = try #require(hosts.events().first { $0.job == "from-b" && $0.event == .claimed })
        #expect(claimed.host == "a")
    }

    /// serve on A learns of a job dropped through B, which inotify on A
    /// never reports: its queue index polls (the spool is on FUSE), and its
    /// event stream looks at everything at each safety-net wake.
    @Test func serveOnAShowsAJobDroppedThroughB() async throws {
        let hosts = try MultiHostFixture(pair: try await MultiHostFixture.sharedPair())
        let serve = try await ServeProcess.start(spool: hosts.spool(.a).root, engines: Repository.engines)
        let streamed = FileManager.default.temporaryDirectory.appendingPathComponent("events-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: streamed) }
        let stream = try await ChildProcess.start("/usr/bin/curl", ["-sN", "--max-time", "12", "-o", streamed, serve.base + "/v1/events"])
        try await waitUntil("the stream is open") { (try? String(contentsOfFile: streamed, encoding: .utf8))?.contains("event: ready") == true }
        try hosts.drop("seen-on-a.json", MultiHostFixture.tone(seconds: 0.1), through: .b)
        try await waitUntilAsync("serve on A finds the job", timeout: .seconds(10)) {
            try await serve.curl("/v1/jobs/seen-on-a").json["state"] as? String == "queued"
        }
        let queue = try await serve.curl("/v1/jobs/seen-on-a")
        #expect(queue.json["queue_position"] as? Int == 1, "\(queue.text)")
        _ = await stream.wait(timeout: .seconds(20))
        let events = (try? String(contentsOfFile: streamed, encoding: .utf8)) ?? ""
        #expect(events.contains(#""id":"seen-on-a""#), "\(events)")
    }

    @Test func aCancelDroppedThroughBStopsAJobRunningOnA() async throws {
        let hosts = try MultiHostFixture(pair: try await MultiHostFixture.sharedPair())
        try await hosts.start(.a)
        try hosts.drop("long.json", MultiHostFixture.tone(seconds: 60, pace: 1), through: .a)
        try await waitUntil("long runs on a", timeout: .seconds(60)) { (hosts.json(.cur, "long", "status.json")?["progress"] as? Double ?? 0) > 0 }
        let cancel = try await hosts.cli(.b, "cancel", "long")
        #expect(cancel.status == 0, "\(cancel.summary)")
        try await waitUntil("long is failed", timeout: .seconds(20)) { hosts.json(.failed, "long", "error.json") != nil }
        let error = try #require(hosts.json(.failed, "long", "error.json"))
        #expect((error["error"] as? [String: Any])?["kind"] as? String == "cancelled")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: hosts.spool(.a).cancel)) ?? []).isEmpty, "the request is consumed")
    }

    @Test func whenHostADiesHostBRecoversItsJobsAfterTheTTL() async throws {
        // A pair of its own: this test tears mount A away.
        let pair = try await JuiceFSPair.start()
        let hosts = try MultiHostFixture(pair: pair)
        let a = try await hosts.start(.a)
        try await hosts.waitUntilUp("a")
        let ids = (1...4).map { "slow\($0)" }
        for (index, id) in ids.enumerated() {
            try hosts.drop(id + ".json", #"{"engine": "tone", "params": {"seconds": 3, "pace": 1, "frequency": \#(300 + index)}}"#, through: .a)
        }
        try await waitUntil("a runs two jobs", timeout: .seconds(60)) {
            hosts.entries(.cur, through: .b).filter { hosts.json(.cur, $0, "status.json", through: .b)?["host"] as? String == "a" }.count == 2
        }
        try await hosts.start(.b)
        try await hosts.waitUntilUp("b", through: .b)
        a.signal(SIGKILL)
        _ = await a.wait()
        pair.detach(.a)
        try await waitUntil("every job ends", timeout: .seconds(90), every: .milliseconds(100)) {
            hosts.entries(.done, through: .b).count == ids.count && hosts.entries(.cur, through: .b).isEmpty
        }
        #expect(hosts.entries(.done, through: .b) == ids.sorted(), "each job once")
        #expect(hosts.entries(.failed, through: .b).isEmpty && hosts.entries(.new, through: .b).isEmpty)
        let recovered = hosts.spool(.b).allEvents().filter { $0.event == .recovered }
        #expect(recovered.count == 2 && recovered.allSatisfy { $0.host == "b" && $0.message?.contains("no heartbeat from") == true }, "\(recovered)")
    }

    @Test func aHostWhoseClockIsTenMinutesAheadStealsNothingFromALiveHost() async throws {
        let faketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
        try #require(FileManager.default.fileExists(atPath: faketime), "libfaketime (Debian) is installed by scripts/install-deps.sh test")
        let hosts = try MultiHostFixture(pair: try await MultiHostFixture.sharedPair())
        try await hosts.start(.a)
        let ids = ["steady1", "steady2"]
        for (index, id) in ids.enumerated() {
            try hosts.drop(id + ".json", #"{"engine": "tone", "params": {"seconds": 12, "pace": 1, "frequency": \#(400 + index)}}"#, through: .a)
        }
        try await waitUntil("a runs both", timeout: .seconds(60)) { ids.allSatisfy { hosts.json(.cur, $0, "status.json")?["host"] as? String == "a" } }
        // B's wall clock is 600 s ahead: every heartbeat of A's looks ten minutes old to it.
        let b = try await hosts.start(.b, environment: ["LD_PRELOAD": faketime, "FAKETIME": "+600", "FAKETIME_DONT_FAKE_MONOTONIC": "1"])
        try await hosts.waitUntilUp("b", through: .b)
        let skewed = try #require(hosts.spool(.b).state.read(SupervisorState.self, from: hosts.spool(.b).state.host("b").supervisorFile))
        #expect(Timestamp.parse(skewed.startedAt).map { $0.timeIntervalSinceNow > 500 } == true, "b runs under libfaketime: \(skewed.startedAt)")
        try await hosts.waitUntilFinished(ids.count, timeout: .seconds(60))
        b.signal(SIGTERM)
        _ = await b.wait()
        #expect(hosts.entries(.done) == ids)
        for id in ids {
            #expect(hosts.runs()[id] == ["a"], "\(id) ran \(hosts.runs()[id] ?? [])")
            #expect(hosts.json(.done, id, "result.json")?["attempts"] as? Int == 1)
        }
        #expect(!hosts.events().contains { $0.event == .recovered }, "b judged a's live jobs dead")
    }

    @Test func aSupervisorStoppedPastTheTTLLeavesTheRerunsResultAlone() async throws {
        let hosts = try MultiHostFixture(pair: try await MultiHostFixture.sharedPair())
        let a = try await hosts.start(.a)
        try hosts.drop("fenced.json", MultiHostFixture.tone(seconds: 5, pace: 1), through: .a)
        try await waitUntil("fenced runs on a", timeout: .seconds(60)) { (hosts.json(.cur, "fenced", "status.json")?["progress"] as? Double ?? 0) > 0 }
        a.signal(SIGSTOP)
        let b = try await hosts.start(.b)
        // B recovers it after the TTL and runs it again; A wakes mid-run.
        try await waitUntil("b reruns it", timeout: .seconds(60)) {
            let status = hosts.json(.cur, "fenced", "status.json", through: .b)
            return status?["host"] as? String == "b" && status?["attempt"] as? Int == 2
        }
        try await Task.sleep(for: .seconds(1))
        a.signal(SIGCONT)
        try await waitUntil("fenced is done", timeout: .seconds(60)) { hosts.json(.done, "fenced", "result.json") != nil }
        try await Task.sleep(for: .seconds(2))  // time for a second result, if A were to write one
        a.signal(SIGTERM)
        b.signal(SIGTERM)
        let woken = await a.wait()
        _ = await b.wait()
        #expect(woken.stderr.contains("lost the job to orphan recovery"), "\(woken.stderr.suffix(1500))")
        #expect(hosts.entries(.done) == ["fenced"] && hosts.entries(.failed).isEmpty && hosts.entries(.new).isEmpty)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: hosts.spool(.a).cur)) ?? []).isEmpty, "nothing left in cur/, hidden or not")
        #expect(hosts.json(.done, "fenced", "result.json")?["attempts"] as? Int == 2)
        let done = hosts.events().filter { $0.job == "fenced" && $0.event == .done }
        #expect(done.count == 1 && done.first?.host == "b", "one result, and it is b's: \(done)")
    }

    @Test func theSameJobThroughBothMountsIsSynthesisedOnce() async throws {
        let hosts = try MultiHostFixture(pair: try await MultiHostFixture.sharedPair())
        try await hosts.start(.a)
        try await hosts.start(.b)
        try await hosts.waitUntilUp("a")
        try await hosts.waitUntilUp("b")
        let job = MultiHostFixture.tone(seconds: 2, pace: 1)
        try hosts.drop("twice-a.json", job, through: .a)
        try hosts.drop("twice-b.json", job, through: .b)
        try await hosts.waitUntilFinished(2)
        #expect(hosts.entries(.done) == ["twice-a", "twice-b"])
        let runs = hosts.runs()
        #expect((runs["twice-a"]?.count ?? 0) + (runs["twice-b"]?.count ?? 0) == 1, "the engine ran once: \(runs)")
        let cached = ["twice-a", "twice-b"].filter { hosts.json(.done, $0, "result.json")?["cached"] as? Bool == true }
        #expect(cached.count == 1)
    }

    @Test func fakeGPUsOnBothHostsAreLeasedPerHostAndShownTogether() async throws {
        let hosts = try MultiHostFixture(pair: try await MultiHostFixture.sharedPair())
        try await hosts.start(.a, ["--fake-gpus", "1"])
        try await hosts.start(.b, ["--fake-gpus", "2"])
        let state = hosts.spool(.a).state
        try await waitUntil("both hosts record their GPUs", timeout: .seconds(60)) {
            ["a", "b"].allSatisfy { FileManager.default.fileExists(atPath: state.leases(host: $0) + "/gpus.json") }
        }
        let shown = try await hosts.cli(.a, "gpu", "--json")
        #expect(shown.status == 0, "\(shown.summary)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        let tables = try #require(document["hosts"] as? [String: [String: Any]])
        #expect(Set(tables.keys) == ["a", "b"])
        #expect(((tables["a"]?["inventory"] as? [String: Any])?["gpus"] as? [Any])?.count == 1)
        #expect(((tables["b"]?["inventory"] as? [String: Any])?["gpus"] as? [Any])?.count == 2)
        let text = try await hosts.cli(.a, "gpu")
        #expect(text.stdout.contains("host a") && text.stdout.contains("host b"), "\(text.stdout)")
    }
}
