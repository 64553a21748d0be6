import AudioSpoolTestKit
import Foundation
import Testing

@Suite(.timeLimit(.minutes(3))) struct EnginesCommandTests {
    @Test func listsTheInstalledEngines() async throws {
        let result = try await ChildProcess.run(Repository.executable, ["engines", "--json", "--engines", Repository.engines])
        #expect(result.status == 0, "\(result.summary)")
        let engines = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let tone = try #require(engines.first { $0["name"] as? String == "tone" })
        #expect(tone["tasks"] as? [String] == ["tone", "tts"])
        #expect(tone["device"] as? String == "cpu")
        #expect(tone["default_task"] as? String == "tone")
    }

    @Test func showsBrokenEnginesWithTheirProblem() async throws {
        let result = try await ChildProcess.run(Repository.executable, ["engines", "--engines", Repository.fixtureEngines])
        #expect(result.stdout.contains("broken-manifest"))
        #expect(result.stdout.contains("broken: "), "\(result.stdout)")
    }

    @Test func setupSaysWhenThereIsNothingToDo() async throws {
        let result = try await ChildProcess.run(Repository.executable, ["engines", "setup", "tone", "--engines", Repository.engines])
        #expect(result.status == 0)
        #expect(result.stdout == "tone: nothing to set up\n")
        let unknown = try await ChildProcess.run(Repository.executable, ["engines", "setup", "nope", "--engines", Repository.engines])
        #expect(unknown.status == 1)
        #expect(unknown.stdout.contains("unknown engine \"nope\""))
    }
}
