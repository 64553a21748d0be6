import AudioSpoolTestKit
import Basics
import Crypto
import Foundation
import Glibc
import Spool
import Testing

/// Retries, delays, cancellation, idempotency and the circuit breaker.
@Suite(.timeLimit(.minutes(3))) struct ReliabilityTests {
    func error(_ fixture: SpoolFixture, _ id: String) throws -> [String: Any] {
        try #require(fixture.json(.failed, id, "error.json"), "\(id) is not in failed/: done \(fixture.entries(.done)), new \(fixture.entries(.new))")
    }

    func reason(_ document: [String: Any]) -> (kind: String?, message: String) {
        let reason = document["error"] as? [String: Any]
        return (reason?["kind"] as? String, reason?["message"] as? String ?? "")
    }

    func runs(of id: String, in fixture: SpoolFixture, engine: String) -> Int {
        let log = (try? String(contentsOfFile: fixture.spool.state.log(engine: engine), encoding: .utf8)) ?? ""
        return log.components(separatedBy: "\n").filter { $0.hasPrefix("run job=\(id) ") }.count
    }

    @Test func aRetryWaitsForItsBackoffAndAPoisonJobStops() async throws {
        let fixture = try SpoolFixture(engines: Repository.fixtureEngines, config: ["retry_backoff_s": 0.6])
        try fixture.drop("doomed.json", #"{"engine": "crash", "max_attempts": 5}"#)
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        let failure = try error(fixture, "doomed")
        #expect(failure["poison"] as? Bool == true)
        #expect(reason(failure).message.hasPrefix("poison job: it has killed engine crash 2 times"))
        let history = try #require(failure["history"] as? [[String: Any]])
        #expect(history.count == 2, "the breaker stops it before max_attempts")
        let retryAt = try #require(Timestamp.parse(history[0]["retry_at"] as? String ?? ""))
        let second = try #require(Timestamp.parse(history[1]["started_at"] as? String ?? ""))
        let ended = try #require(Timestamp.parse(history[0]["ended_at"] as? String ?? ""))
        #expect(second >= retryAt, "the second attempt started before its backoff was over")
        #expect(retryAt.timeIntervalSince(ended) > 0.4, "a backoff of about 0.6 s")
    }

    @Test func aPoisonJobFailsWhileTheRestFlow() async throws {
        let fixture = try SpoolFixture(engines: Repository.fixtureEngines)
        try fixture.drop("poison.json", #"{"engine": "ok", "params": {"crash": true}, "max_attempts": 10}"#)
        for index in 0..<12 {
            try fixture.drop("good\(index).json", #"{"engine": "ok", "params": {"n": \#(index)}}"#)
        }
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        #expect(fixture.entries(.done).sorted() == (0..<12).map { "good\($0)" }.sorted(), "the good jobs on the same engine all finished")
        let failure = try error(fixture, "poison")
        #expect(failure["poison"] as? Bool == true)
        #expect((failure["history"] as? [[String: Any]])?.count == 2, "the breaker stops it long before max_attempts")
        let log = (try? String(contentsOfFile: fixture.spool.state.log(engine: "ok"), encoding: .utf8)) ?? ""
        #expect(log.components(separatedBy: "boom: simulated crash").count - 1 == 2, "it killed its engine twice, then never ran again")
    }

    @Test func aJobWaitsForItsNotBefore() async throws {
        let fixture = try SpoolFixture()
        // Far enough ahead that a loaded machine still runs `status` before it.
        let notBefore = Date().addingTimeInterval(4)
        try fixture.drop("later.json", #"{"engine": "tone", "params": {"seconds": 0.1}, "not_before": "\#(Timestamp.string(notBefore))"}"#)
        let status = try await fixture.cli("status", "later", engines: false)
        #expect(status.stdout.contains("not before"))
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        let result = try #require(fixture.json(.done, "later", "result.json"))
        let claimed = try #require(Timestamp.parse((result["timings"] as? [String: Any])?["claimed_at"] as? String ?? ""))
        #expect(claimed >= notBefore.addingTimeInterval(-0.01))
    }

    @Test func retryGivesAFailedJobAnotherChance() async throws {
        let engines = try EngineVariants()
        let fixture = try SpoolFixture(engines: engines.path)
        try fixture.drop("early.json", #"{"engine": "latecomer", "params": {"seconds": 0.1}}"#)
        _ = try await fixture.runUntilIdle()
        #expect(reason(try error(fixture, "early")).message.contains("unknown engine \"latecomer\""))
        // The operator installs the engine, then retries.
        try engines.add("latecomer", from: Repository.engines + "/tone")
        let retried = try await fixture.cli("retry", "early", engines: false)
        #expect(retried.status == 0, "\(retried.summary)")
        #expect(fixture.entries(.new) == ["early"])
        _ = try await fixture.runUntilIdle()
        let result = try #require(fixture.json(.done, "early", "result.json"))
        #expect(result["attempts"] as? Int == 1, "a fresh attempt budget")
        #expect(fixture.events(of: "early").filter { $0 != "progress" } == ["claimed", "failed", "resubmitted", "claimed", "done"])
        #expect(try await fixture.cli("retry", "nothing", engines: false).status == 1)
    }

    @Test func cancellingAPendingJobNeedsNoSupervisor() async throws {
        let fixture = try SpoolFixture()
        let id = try await fixture.submit("--engine", "tone", "--param", "seconds=1")
        let cancel = try await fixture.cli("cancel", id, engines: false)
        #expect(cancel.status == 0, "\(cancel.summary)")
        #expect(reason(try error(fixture, id)).kind == "cancelled")
        #expect(try await fixture.cli("cancel", id, engines: false).stderr.contains("already failed"))
    }

    @Test func cancellingARunningJobStopsItsEngine() async throws {
        let fixture = try SpoolFixture()
        let supervisor = try await fixture.startSupervisor()
        let id = try await fixture.submit("--engine", "tone", "--param", "seconds=30", "--param", "pace=1")
        try await waitUntil("\(id) runs") { (fixture.json(.cur, id, "status.json")?["progress"] as? Double ?? 0) > 0 }
        let started = ContinuousClock.now
        let cancel = try await fixture.cli("cancel", id, engines: false)
        #expect(cancel.status == 0, "\(cancel.summary)")
        #expect(ContinuousClock.now - started < .seconds(10))
        let failure = try error(fixture, id)
        #expect(reason(failure).kind == "cancelled")
        let left = try FileManager.default.contentsOfDirectory(atPath: fixture.spool.path(of: .failed, id)).sorted()
        #expect(left == ["error.json", "job.json"], "no partial output: \(left)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.spool.cancel).isEmpty, "the request is consumed")
        // The supervisor goes on: the next job runs.
        let next = try await fixture.submit("--engine", "tone", "--param", "seconds=0.1")
        try await fixture.waitFor(next, in: .done)
        supervisor.signal(SIGTERM)
        _ = await supervisor.wait()
    }

    @Test func aFileInCancelCancelsToo() async throws {
        let fixture = try SpoolFixture()
        let supervisor = try await fixture.startSupervisor()
        let id = try await fixture.submit("--engine", "tone", "--param", "seconds=30", "--param", "pace=1")
        try await waitUntil("\(id) runs") { (fixture.json(.cur, id, "status.json")?["progress"] as? Double ?? 0) > 0 }
        FileManager.default.createFile(atPath: fixture.spool.tmp + "/c", contents: Data())
        try FileManager.default.moveItem(atPath: fixture.spool.tmp + "/c", toPath: fixture.spool.cancel + "/" + id)
        try await fixture.waitFor(id, in: .failed, timeout: .seconds(10))
        #expect(reason(try error(fixture, id)).kind == "cancelled")
        supervisor.signal(SIGTERM)
        _ = await supervisor.wait()
    }

    @Test func anIdenticalJobIsFinishedFromTheEarlierResult() async throws {
        let fixture = try SpoolFixture()
        let job = #"{"engine": "tone", "params": {"seconds": 0.3, "frequency": 550}}"#
        try fixture.drop("first.json", job)
        _ = try await fixture.runUntilIdle()
        try fixture.drop("second.json", job)
        try fixture.drop("fresh.json", #"{"engine": "tone", "params": {"seconds": 0.3, "frequency": 550}, "cache": false}"#)
        try fixture.drop("keyed.json", #"{"engine": "tone", "params": {"seconds": 0.2}, "idempotency_key": "order-7"}"#)
        try fixture.drop("keyed2.json", #"{"engine": "tone", "params": {"seconds": 0.9}, "idempotency_key": "order-7"}"#)
        _ = try await fixture.runUntilIdle()

        let first = try #require(fixture.json(.done, "first", "result.json"))
        let second = try #require(fixture.json(.done, "second", "result.json"))
        #expect(first["cached"] as? Bool == false)
        #expect(second["cached"] as? Bool == true)
        #expect(second["cached_from"] as? String == "first")
        let key = try #require(first["idempotency_key"] as? String)
        #expect(second["idempotency_key"] as? String == key)
        let firstOutput = try #require((first["outputs"] as? [[String: Any]])?.first?["sha256"] as? String)
        #expect((second["outputs"] as? [[String: Any]])?.first?["sha256"] as? String == firstOutput)
        #expect(FileManager.default.fileExists(atPath: fixture.spool.path(of: .done, "second") + "/output.wav"))
        #expect(runs(of: "second", in: fixture, engine: "tone") == 0, "the engine did not run")
        #expect(runs(of: "fresh", in: fixture, engine: "tone") == 1, "cache: false runs")
        // The two keyed jobs ran at the same time; one waited for the other.
        let keyed = try #require(fixture.json(.done, "keyed2", "result.json"))
        let keyedFirst = try #require(fixture.json(.done, "keyed", "result.json"))
        #expect([keyed["cached"] as? Bool, keyedFirst["cached"] as? Bool].sorted { !($0 ?? false) && ($1 ?? false) } == [false, true])
        #expect(runs(of: "keyed", in: fixture, engine: "tone") + runs(of: "keyed2", in: fixture, engine: "tone") == 1)
    }

    /// A job being finished is in `cur/` only under its private name; its
    /// key is still held, so an identical job waits rather than running too.
    @Test func aKeyHeldByAJobBeingFinishedIsWaitedFor() async throws {
        let fixture = try SpoolFixture()
        let holder = "finishing"
        let key = SHA256.hash(data: Data("idempotency_key\0order-9".utf8)).hexString
        let index = fixture.spool.state.resultIndex
        #expect(try index.mark(key: key, for: holder))
        let finishing = fixture.spool.privateName(holder, token: String(repeating: "a", count: 32))
        try FileManager.default.createDirectory(atPath: finishing, withIntermediateDirectories: false)
        let supervisor = try await fixture.startSupervisor()
        try fixture.drop("waiter.json", #"{"engine": "tone", "params": {"seconds": 0.1}, "idempotency_key": "order-9"}"#)
        try await waitUntil("the waiter is claimed") { fixture.json(.cur, "waiter", "owner.json") != nil }
        try await Task.sleep(for: .seconds(1))  // five of holdKey's polls
        #expect(fixture.entries(.done).isEmpty, "the waiter ran while the key's holder was being finished")
        // The holder is gone without filing a result: the mark is stale now.
        try FileManager.default.removeItem(atPath: finishing)
        try await fixture.waitFor("waiter", in: .done)
        #expect(runs(of: "waiter", in: fixture, engine: "tone") == 1)
        supervisor.signal(SIGTERM)
        _ = await supervisor.wait()
    }

    @Test func aStalledEngineTimesOutButProgressKeepsARunAlive() async throws {
        let engines = try EngineVariants()
        try engines.add("stall", from: Repository.fixtureEngines + "/stall")
        // A tone whose runs may not go 1 s without progress: a 3 s paced
        // job reports every 0.1 s, so it lives.
        try engines.add("tone", from: Repository.engines + "/tone") { manifest in
            manifest["timeouts"] = ["start_s": 20, "run_s": 30, "stall_s": 1]
        }
        let fixture = try SpoolFixture(engines: engines.path)
        try fixture.drop("stuck.json", #"{"engine": "stall", "max_attempts": 1}"#)
        try fixture.drop("steady.json", #"{"engine": "tone", "params": {"seconds": 3, "pace": 1}}"#)
        _ = try await fixture.runUntilIdle()
        let failure = try error(fixture, "stuck")
        #expect(reason(failure).kind == "timeout")
        #expect(reason(failure).message.contains("reported no progress on run for 1s"), "\(reason(failure).message)")
        #expect(fixture.json(.done, "steady", "result.json") != nil)
    }

    /// SIGTERM is the graceful stop; SIGINT the fast one, also during a
    /// SIGTERM's grace period (the service group owns both).
    @Test func aSigintCutsTheGracePeriodShort() async throws {
        let fixture = try SpoolFixture(config: ["shutdown_grace_s": 120])
        let supervisor = try await fixture.startSupervisor()
        let id = try await fixture.submit("--engine", "tone", "--param", "seconds=60", "--param", "pace=1")
        try await waitUntil("\(id) runs") { (fixture.json(.cur, id, "status.json")?["progress"] as? Double ?? 0) > 0 }
        supervisor.signal(SIGTERM)
        try await Task.sleep(for: .milliseconds(500))  // a window in which it must not have stopped
        #expect(fixture.entries(.cur) == [id], "the first SIGTERM lets the job run on")
        let second = ContinuousClock.now
        supervisor.signal(SIGINT)
        let exit = await supervisor.wait(timeout: .seconds(20))
        #expect(exit.status == 0, "\(exit.summary)")
        #expect(ContinuousClock.now - second < .seconds(10))
        #expect(fixture.entries(.new) == [id], "the interrupted job is back in new/")
    }
}
