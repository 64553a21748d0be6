import AudioSpoolTestKit
import Foundation
import Testing

/// The chaos proofs of bench/chaos.py at test size: the script kills and
/// doubles supervisors on a real spool, then audits every folder and the
/// engine's own log of runs. bench/chaos.sh runs them at full size (1,000
/// jobs and 10 kills; 2,000 jobs and two supervisors).
@Suite(.serialized, .timeLimit(.minutes(6))) struct ChaosTests {
    func chaos(_ arguments: String...) async throws -> [String: Any] {
        let run = try await ChildProcess.run(
            "/usr/bin/python3", [Repository.root + "/bench/chaos.py", Repository.executable, Repository.engines] + arguments)
        let line = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(run.summary)")
        #expect(run.status == 0, "\(run.summary)")
        return summary
    }

    @Test func killingTheSupervisorLosesNothingAndFinishesNothingTwice() async throws {
        let summary = try await chaos("kill", "150", "4")
        #expect(summary["kills"] as? Int == 4)
        #expect(summary["done"] as? Int == 150)
        #expect(summary["problem_count"] as? Int == 0, "\(summary["problems"] ?? "")")
    }

    @Test func twoSupervisorsOnOneSpoolRunEachJobOnce() async throws {
        let summary = try await chaos("two", "800")
        #expect(summary["done"] as? Int == 800)
        #expect(summary["engine_runs_per_job"] as? [String: Int] == ["1": 800], "every job ran exactly once")
        #expect(summary["problem_count"] as? Int == 0, "\(summary["problems"] ?? "")")
    }
}
