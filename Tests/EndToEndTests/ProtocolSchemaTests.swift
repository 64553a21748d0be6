import AudioSpoolTestKit
import Foundation
import Testing

/// schemas/ describes every message of PROTOCOL.md. Real traffic of the
/// shipped engines, recorded by `engines check --transcript`, the examples
/// in PROTOCOL.md and every manifest must match it (schemas/validate.py,
/// which needs python3-jsonschema). Serialized, as EngineCheckCommandTests.
@Suite(.serialized, .timeLimit(.minutes(10))) struct ProtocolSchemaTests {
    static let validator = Repository.root + "/schemas/validate.py"

    static func validate(_ arguments: [String]) async throws -> ChildProcess.Result {
        try await ChildProcess.run("/usr/bin/env", ["python3", validator] + arguments)
    }

    static func record(_ engine: String, into directory: TemporaryDirectory) async throws -> String {
        let transcript = directory.file(URL(fileURLWithPath: engine).lastPathComponent + ".txt")
        _ = try await ChildProcess.run(
            Repository.executable, ["engines", "check", engine, "--transcript", transcript, "--engines", Repository.engines])
        return transcript
    }

    @Test(arguments: ["Engines/tone", "Engines/piper", "Engines/espeak", "Tests/Fixtures/Engines/from-protocol", "Tests/Fixtures/Engines/check-inputs"])
    func recordedTrafficMatchesTheSchemas(engine: String) async throws {
        let directory = TemporaryDirectory()
        let transcript = try await Self.record(Repository.root + "/" + engine, into: directory)
        let text = try String(contentsOfFile: transcript, encoding: .utf8)
        #expect(text.contains("\"method\":\"initialize\"") && text.contains("\"method\":\"shutdown\""))
        #expect(text.contains("\"method\":\"cancel\""))
        #expect(text.contains("< ") && text.contains("\"error\""), "an error (the unknown task) was recorded")
        let result = try await Self.validate([transcript])
        #expect(result.status == 0, "\(result.summary)")
    }

    @Test func trafficThatBreaksTheProtocolFailsTheSchemas() async throws {
        let directory = TemporaryDirectory()
        let transcript = try await Self.record(Repository.fixtureEngines + "/check-bad-kind", into: directory)
        let result = try await Self.validate([transcript])
        #expect(result.status == 1, "\(result.summary)")
        #expect(result.stdout.contains("error response does not match error.response.json"), "\(result.stdout)")
    }

    /// Each example session of PROTOCOL.md (`host →` and `eng  ←` lines).
    @Test func theProtocolDocumentsExamplesMatchTheSchemas() async throws {
        let directory = TemporaryDirectory()
        let lines = try String(contentsOfFile: Repository.root + "/PROTOCOL.md", encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        var sessions: [[String]] = []
        var current: [String]?
        for line in lines {
            if line.hasPrefix("```") {
                if let block = current {
                    if !block.isEmpty { sessions.append(block) }
                    current = nil
                } else {
                    current = []
                }
            } else if line.hasPrefix("host → ") {
                current?.append("> " + line.dropFirst(7))
            } else if line.hasPrefix("eng  ← ") {
                current?.append("< " + line.dropFirst(7))
            }
        }
        #expect(sessions.count >= 3)
        for (number, session) in sessions.enumerated() {
            let file = directory.write("session-\(number).txt", session.joined(separator: "\n") + "\n")
            let result = try await Self.validate([file])
            #expect(result.status == 0, "session \(number): \(result.summary)")
        }
    }

    @Test func everyManifestMatchesTheSchema() async throws {
        var manifests = try FileManager.default.contentsOfDirectory(atPath: Repository.engines)
            .map { Repository.engines + "/" + $0 + "/engine.json" }
        manifests += try FileManager.default.contentsOfDirectory(atPath: Repository.fixtureEngines)
            .filter { $0 != "broken-manifest" }.map { Repository.fixtureEngines + "/" + $0 + "/engine.json" }
        manifests = manifests.filter { FileManager.default.fileExists(atPath: $0) }
        #expect(manifests.count > 20)
        let result = try await Self.validate(["--manifest"] + manifests)
        #expect(result.status == 0, "\(result.summary)")
        let broken = try await Self.validate(["--manifest", Repository.fixtureEngines + "/broken-manifest/engine.json"])
        #expect(broken.status == 1)
    }
}
