import AudioSpoolTestKit
import Foundation
import Glibc
import Spool
import Testing

/// Two supervisors on one spool, one of them `--engines-only`: it never
/// claims a job for another engine, `status` and `explain` say why such a
/// job waits, and the other supervisor, which runs that engine, claims it.
@Suite(.timeLimit(.minutes(4))) struct EnginesOnlyTests {
    @Test func aFilteredSupervisorLeavesOtherEnginesJobsToTheSupervisorThatRunsThem() async throws {
        let engines = try EngineVariants()
        try engines.add("tone", from: Repository.engines + "/tone")
        try engines.add("chime", from: Repository.engines + "/tone")
        let fixture = try SpoolFixture(engines: engines.path)
        // The environment's form; the flag is the same setting.
        let cpu = try await ChildProcess.start(
            Repository.executable, ["run", "--host", "cpu", "--spool", fixture.spool.root, "--engines", engines.path],
            environment: [EngineFilter.environmentVariable: "chime"])
        defer { cpu.signal(SIGKILL) }
        try await waitUntil("cpu's supervisor.json shows its filter") {
            fixture.spool.supervisorState(ofHost: "cpu")?.state.enginesOnly == ["chime"]
        }

        var tones: [String] = []
        for _ in 1...3 { tones.append(try await fixture.submit("--engine", "tone", "--param", "seconds=0.2")) }
        let chime = try await fixture.submit("--engine", "chime", "--param", "seconds=0.2")
        // Delivered after the tone jobs, so cpu has looked at them by now.
        try await fixture.waitFor(chime, in: .done)
        #expect(Set(fixture.entries(.new).map { Submission.stem(of: $0) }) == Set(tones), "cpu must leave the tone jobs in new/")

        let status = try await fixture.cli("status", tones[0], engines: false)
        #expect(status.stdout.contains("waiting: no running supervisor takes engine tone (cpu takes only chime)"), "\(status.summary)")
        let explain = try await fixture.cli("explain", tones[0], "--json", engines: false)
        let history = try #require(try JSONSerialization.jsonObject(with: Data(explain.stdout.utf8)) as? [String: Any], "\(explain.summary)")
        #expect(history["engine"] as? String == "tone")
        #expect((history["waiting"] as? String)?.contains("no running supervisor takes engine tone") == true, "\(history)")
        let text = try await fixture.cli("explain", tones[1], engines: false)
        #expect(text.stdout.contains("waiting: no running supervisor takes engine tone"), "\(text.summary)")

        let gpu = try await fixture.startSupervisor("--host", "gpu")
        for id in tones { try await fixture.waitFor(id, in: .done) }
        // The overview's hosts table shows each one's filter.
        try await waitUntil("gpu's supervisor.json is written") { fixture.spool.supervisorState(ofHost: "gpu") != nil }
        let overview = try await fixture.cli("status", engines: false)
        let rows = overview.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(rows.contains { $0.first == "cpu" && $0.contains("chime") }, "\(overview.summary)")
        #expect(rows.contains { $0.first == "gpu" && $0.contains("all") }, "\(overview.summary)")
        let claims = fixture.spool.allEvents().filter { $0.event == .claimed }
        #expect(claims.filter { tones.contains($0.job) }.map(\.host) == ["gpu", "gpu", "gpu"])
        #expect(claims.filter { $0.job == chime }.map(\.host) == ["cpu"])

        for supervisor in [cpu, gpu] { supervisor.signal(SIGTERM) }
        for supervisor in [cpu, gpu] {
            let exit = await supervisor.wait()
            #expect(exit.status == 0, "\(exit.summary)")
        }
    }

    @Test func aBadListIsRefusedAtStart() async throws {
        let fixture = try SpoolFixture()
        for (arguments, environment, expected) in [
            (["--engines-only", "piper,,espeak"], [String: String](), "--engines-only: expected engine names separated by commas"),
            ([], [EngineFilter.environmentVariable: "../tone"], "\(EngineFilter.environmentVariable): \"../tone\" cannot name an engine"),
        ] {
            let result = try await ChildProcess.run(
                Repository.executable, ["run", "--until-idle", "--spool", fixture.spool.root, "--engines", fixture.engines] + arguments,
                environment: environment)
            #expect(result.status != 0)
            #expect(result.stderr.contains(expected), "\(result.summary)")
        }
    }
}
