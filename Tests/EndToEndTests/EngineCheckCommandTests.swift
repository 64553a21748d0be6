import AudioSpoolTestKit
import Foundation
import Testing

/// `audiospool engines check`: the shipped engines and an engine written
/// from PROTOCOL.md alone pass; engines broken on purpose fail on the rule
/// they break. Serialized: each check starts two engine processes, and
/// many at once on a small machine would test its load, not the engines.
@Suite(.serialized, .timeLimit(.minutes(10))) struct EngineCheckCommandTests {
    struct Report {
        var status: Int32
        var failed: Set<String>
        var reasons: [String: String]
        var output: String
        var warnings: [String]
    }

    static func check(_ directory: String, _ extra: [String] = [], environment: [String: String] = [:]) async throws -> Report {
        let result = try await ChildProcess.run(
            Repository.executable, ["engines", "check", directory, "--json", "--engines", Repository.engines] + extra,
            environment: environment)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.summary)")
        let outcomes = try #require(json["outcomes"] as? [[String: Any]])
        #expect(outcomes.count == 10)
        var failed: Set<String> = []
        var reasons: [String: String] = [:]
        for outcome in outcomes {
            let rule = outcome["rule"] as? String ?? "?"
            reasons[rule] = outcome["reason"] as? String
            if outcome["status"] as? String != "passed" { failed.insert(rule) }
        }
        let warnings = try #require(json["warnings"] as? [String])
        return Report(status: result.status, failed: failed, reasons: reasons, output: result.summary, warnings: warnings)
    }

    @Test(arguments: ["tone", "piper", "espeak"])
    func shippedEnginesPass(engine: String) async throws {
        let report = try await Self.check(Repository.engines + "/" + engine)
        #expect(report.failed.isEmpty, "\(report.output)")
        #expect(report.status == 0)
        #expect(report.reasons["outputs-valid-wav"]?.contains("tts → output") == true, "\(report.reasons)")
    }

    @Test func anEngineWrittenFromTheProtocolAlonePasses() async throws {
        let report = try await Self.check(Repository.fixtureEngines + "/from-protocol")
        #expect(report.failed.isEmpty, "\(report.output)")
        #expect(report.status == 0)
        #expect(report.reasons["cancel-honoured"]?.contains("answered cancelled") == true, "\(report.reasons)")
    }

    /// A task with inputs gets a generated WAV of the manifest's `input_audio` shape.
    @Test func aTaskWithAudioInputsGetsAGeneratedWAV() async throws {
        let report = try await Self.check(Repository.fixtureEngines + "/check-inputs")
        #expect(report.failed.isEmpty, "\(report.output)")
        #expect(report.reasons["outputs-valid-wav"] == "echo → output (16000 Hz, 1 ch, 1.00 s)", "\(report.reasons)")
    }

    /// Each from-protocol variant breaks one rule; `alsoFailing` are rules
    /// that cannot be checked once that one is broken (the host kills the engine).
    @Test(arguments: [
        ("check-wrong-name", "handshake", Set<String>()),
        ("check-chatty", "stdout-protocol-only", ["outputs-valid-wav", "cancel-honoured", "exit-on-shutdown", "exit-on-stdin-eof"]),
        ("check-double-answer", "one-response-per-request", ["cancel-honoured", "error-kinds", "exit-on-shutdown"]),
        ("check-progress-backwards", "progress-monotonic", []),
        ("check-ignore-cancel", "cancel-honoured", ["exit-on-shutdown"]),
        // Ignores cancel but finishes within cancel_s: the result comes long after the cancel.
        ("check-finish-despite-cancel", "cancel-honoured", []),
        ("check-bad-kind", "error-kinds", ["cancel-honoured"]),
        ("check-not-wav", "outputs-valid-wav", []),
        ("check-ignore-eof", "exit-on-stdin-eof", ["exit-on-shutdown"]),
        ("check-ignore-shutdown", "exit-on-shutdown", []),
        ("check-stray-file", "writes-only-work-folder", []),
    ] as [(String, String, Set<String>)])
    func aBrokenEngineFailsOnTheRuleItBreaks(folder: String, rule: String, alsoFailing: Set<String>) async throws {
        let report = try await Self.check(Repository.fixtureEngines + "/" + folder, ["--run-timeout", "20"])
        #expect(report.status == 1)
        #expect(report.failed.contains(rule), "\(report.output)")
        #expect(report.failed.subtracting(alsoFailing) == [rule], "\(report.output)")
        #expect(report.reasons[rule]?.isEmpty == false)
    }

    /// The host-defence fixtures (fixture.py) fail where they misbehave too.
    @Test(arguments: [
        ("garbage", "stdout-protocol-only"), ("unknown-id", "one-response-per-request"), ("escape", "outputs-valid-wav"),
        ("crash", "outputs-valid-wav"), ("ignore-eof", "exit-on-stdin-eof"), ("bad-result", "outputs-valid-wav"),
        ("string-id", "one-response-per-request"),
    ])
    func hostDefenceFixturesFail(folder: String, rule: String) async throws {
        let report = try await Self.check(Repository.fixtureEngines + "/" + folder, ["--run-timeout", "20"])
        #expect(report.status == 1)
        #expect(report.failed.contains(rule), "\(report.output)")
    }

    @Test func aBrokenManifestFailsWithItsProblem() async throws {
        let result = try await ChildProcess.run(Repository.executable, ["engines", "check", Repository.fixtureEngines + "/broken-manifest"])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("FAIL handshake: "), "\(result.summary)")
        #expect(result.stdout.contains("engine.json"))
    }

    @Test func theTextReportNamesEachRule() async throws {
        let result = try await ChildProcess.run(
            Repository.executable, ["engines", "check", Repository.fixtureEngines + "/check-not-wav", "--engines", Repository.engines])
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAIL outputs-valid-wav:"), "\(result.summary)")
        #expect(result.stdout.contains("is not a WAV file"))
        #expect(result.stdout.contains("PASS handshake:"))
        #expect(result.stdout.contains("9 of 10 rules passed"))
    }

    @Test func aNewEnginePassesTheCheckUntouched() async throws {
        let directory = TemporaryDirectory()
        let venvs = directory.file("venvs")
        let made = try await ChildProcess.run(
            Repository.executable, ["engines", "new", "my-voice", "--dir", directory.path, "--engines", Repository.engines])
        #expect(made.status == 0, "\(made.summary)")
        #expect(made.stdout == directory.path + "/my-voice\n")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.file("my-voice")).sorted()
        #expect(files == ["README.md", "engine.json", "engine.py", "requirements.lock", "requirements.txt"])
        let report = try await Self.check(directory.file("my-voice"), environment: ["AUDIOSPOOL_VENVS": venvs])
        #expect(report.failed.isEmpty, "\(report.output)")
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        // It has its own environment, made from its lock.
        #expect(try FileManager.default.contentsOfDirectory(atPath: venvs).contains { $0.hasPrefix("my-voice-") })

        // The lock it came with is the one `engines lock` makes.
        let lock = directory.file("my-voice/requirements.lock")
        let written = try String(contentsOfFile: lock, encoding: .utf8)
        let locked = try await ChildProcess.run(Repository.executable, ["engines", "lock", "my-voice", "--engines", directory.path])
        #expect(locked.status == 0, "\(locked.summary)")
        #expect(try String(contentsOfFile: lock, encoding: .utf8) == written)

        // Without a lock, it still passes, with a warning.
        let manifest = directory.file("my-voice/engine.json")
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        directory.write("my-voice/engine.json", text.replacingOccurrences(of: #", "python_lock": "requirements.lock""#, with: ""))
        let unlocked = try await Self.check(directory.file("my-voice"), environment: ["AUDIOSPOOL_VENVS": venvs])
        #expect(unlocked.failed.isEmpty, "\(unlocked.output)")
        #expect(unlocked.warnings.count == 1 && unlocked.warnings[0].contains("no python_lock"), "\(unlocked.warnings)")

        let again = try await ChildProcess.run(Repository.executable, ["engines", "new", "my-voice", "--dir", directory.path])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already exists"))
        let badName = try await ChildProcess.run(Repository.executable, ["engines", "new", "../x", "--dir", directory.path])
        #expect(badName.status == 1)
        #expect(badName.stderr.contains("letters, digits"), "\(badName.summary)")
    }
}
