import AudioSpoolTestKit
import Basics
import Foundation
import Glibc
import Spool
import Testing

/// What the dashboard shows of the farm and of a running job's placement,
/// from `GET /v1/farm` and `GET /v1/jobs/{id}`.
extension HTTPDashboardAPITests {
    /// `live` is judged as `/readyz` judges it (Heartbeats): another host's
    /// heartbeat by whether this server sees it change, never by its clock.
    @Test func theFarmJudgesAnotherHostsHeartbeatByWhetherItChanges() async throws {
        let engines = try engines()
        let fixture = try SpoolFixture(engines: engines.path)
        let serve = try await ServeProcess.start(fixture)
        let remote = try RemoteHeartbeat(fixture)
        func elsewhere() async throws -> [String: Any] {
            let farm = try await serve.curl("/v1/farm")
            #expect(farm.status == 200, "\(farm.text)")
            let supervisors = farm.json["supervisors"] as? [[String: Any]] ?? []
            return try #require(supervisors.first { $0["host"] as? String == "elsewhere" }, "\(farm.text)")
        }
        // Its time reads as now on our clock, but it never changes: not known to beat, its age not known yet.
        try remote.beat(Timestamp.now())
        for _ in 0..<2 {
            let seen = try await elsewhere()
            #expect(seen["live"] as? Bool == false, "\(seen)")
            #expect(seen["heartbeat_age_s"] == nil, "\(seen)")
        }
        // It changes, though its clock is decades behind ours: live, its age on our clock.
        try remote.beat("2001-01-01T00:00:05Z")
        let changed = try await elsewhere()
        #expect(changed["live"] as? Bool == true, "\(changed)")
        #expect((changed["heartbeat_age_s"] as? Double ?? 99) < 5, "\(changed)")
        try remote.beat("2001-01-01T00:00:10Z")
        #expect(try await elsewhere()["live"] as? Bool == true)
        // Then it stops: not live once 15 s of this server's clock pass without a change.
        try await waitUntilAsync("the farm sees the heartbeat stop", timeout: .seconds(40)) {
            try await elsewhere()["live"] as? Bool == false
        }
        let stopped = try await elsewhere()
        #expect((stopped["heartbeat_age_s"] as? Double ?? 0) >= 15, "\(stopped)")
        withExtendedLifetime(engines) {}
    }

    /// A gpu-preferred job placed on the CPU says why while it runs
    /// (status.json's fallback_reason, in the job's document), not only in result.json.
    @Test func aRunningJobOnTheCPUSaysWhyItIsNotOnTheGPU() async throws {
        let engines = try engines()
        try engines.add("gpu-preferred", from: Repository.fixtureEngines + "/gpu-preferred")
        let fixture = try SpoolFixture(engines: engines.path, config: ["gpus": ["fake": 1], "concurrency": 2])
        let supervisor = try await fixture.startSupervisor()
        let serve = try await ServeProcess.start(fixture)
        func submit(seconds: Double) async throws -> String {
            let job = #"{"engine": "gpu-preferred", "params": {"seconds": \#(seconds)}}"#
            let reply = try await serve.curl("/v1/jobs", ["-H", "Content-Type: application/json", "--data-binary", job])
            return try #require(reply.json["id"] as? String, "\(reply.text)")
        }
        func running(_ id: String, on device: String) async throws -> [String: Any] {
            var last = ""
            try await waitUntilAsync("\(id) runs on \(device), not as \(last)", timeout: .seconds(60)) {
                let reply = try await serve.curl("/v1/jobs/" + id)
                last = reply.text
                return reply.json["state"] as? String == "running" && reply.json["device"] as? String == device
            }
            return try await serve.curl("/v1/jobs/" + id).json
        }
        // The first holds the one slot; the second is placed on the CPU.
        let first = try await submit(seconds: 20)
        let onGPU = try await running(first, on: "cuda:0")
        #expect(onGPU["fallback_reason"] == nil, "\(onGPU)")
        // (Not the same job: an identical one would wait for the first's result, the spool's cache.)
        let second = try await submit(seconds: 21)
        let onCPU = try await running(second, on: "cpu")
        #expect(onCPU["fallback_reason"] as? String == "no free GPU slot", "\(onCPU)")
        let status = try #require(fixture.json(.cur, second, "status.json"))
        #expect(status["fallback_reason"] as? String == "no free GPU slot", "\(status)")
        for id in [first, second] { #expect(try await serve.curl("/v1/jobs/" + id, ["-X", "DELETE"]).status < 300) }
        supervisor.signal(SIGTERM)
        await supervisor.wait()
    }
}
