import AudioSpoolTestKit
import EngineCheck
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
        #expect(outcomes.map { $0["rule"] as? String } == CheckRule.allCases.map(\.rawValue))
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

    /// Every rule is run: each one that passes says what it saw.
    @Test func anEngineWrittenFromTheProtocolAlonePasses() async throws {
        let report = try await Self.check(Repository.fixtureEngines + "/from-protocol")
        #expect(report.failed.isEmpty, "\(report.output)")
        #expect(report.status == 0)
        #expect(report.reasons["cancel-honoured"]?.contains("answered cancelled") == true, "\(report.reasons)")
        for rule in CheckRule.allCases { #expect(report.reasons[rule.rawValue]?.isEmpty == false, "\(rule.rawValue): \(report.reasons)") }
        #expect(report.reasons["concurrent-runs"]?.hasSuffix("two runs at once were worked on together") == true, "\(report.reasons)")
        #expect(report.reasons["ping-during-run"] == "answered while a run was in flight", "\(report.reasons)")
        #expect(report.reasons["protocol-errors"] == "a run before initialize: -32600; a run without work_dir: -32602", "\(report.reasons)")
        #expect(report.reasons["bad-params-are-bad-input"]?.contains("audiospool_check_no_such_param") == true, "\(report.reasons)")
        #expect(report.reasons["shutdown-answers-runs"] == "the run in flight was answered cancelled", "\(report.reasons)")
        #expect(report.reasons["words-timed"]?.contains("tts: ") == true, "\(report.reasons)")
        #expect(report.reasons["words-timed"]?.contains(" words within ") == true, "\(report.reasons)")
    }

    /// espeak times its words; tone speaks none, and passes with none.
    @Test func wordsAreCheckedWhereAnEngineGivesThem() async throws {
        let espeak = try await Self.check(Repository.engines + "/espeak")
        #expect(espeak.reasons["words-timed"]?.contains(" words within ") == true, "\(espeak.reasons)")
        let tone = try await Self.check(Repository.engines + "/tone")
        #expect(tone.reasons["words-timed"] == "no run gave words (they are optional)", "\(tone.reasons)")
    }

    /// `--task-params` reach that task's runs only, over `--params`.
    @Test func taskParamsReachTheirTaskOnly() async throws {
        let report = try await Self.check(
            Repository.engines + "/tone", ["--params", #"{"amplitude": 0.2}"#, "--task-params", #"tone={"sample_rate": 8000}"#])
        #expect(report.failed.isEmpty, "\(report.output)")
        let outputs = report.reasons["outputs-valid-wav"] ?? ""
        #expect(outputs.contains("tone → output (8000 Hz"), "\(outputs)")
        #expect(outputs.contains("tts → output (24000 Hz"), "\(outputs)")
        let wrong = try await ChildProcess.run(
            Repository.executable, ["engines", "check", Repository.engines + "/tone", "--task-params", #"sing={"x": 1}"#])
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("names task sing, which engine.json does not have"), "\(wrong.summary)")
        let missing = try await ChildProcess.run(
            Repository.executable, ["engines", "check", Repository.engines + "/tone", "--config", "@/nonexistent/config.json"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("--config: cannot read /nonexistent/config.json"), "\(missing.summary)")
    }

    /// `--config` is initialize's config: the real Demucs engine on its tiny
    /// random model (Tests/Fixtures/Models), loaded offline from a hub cache.
    @Test func aHeavyEnginePassesWithItsTinyModelConfig() async throws {
        let cache = try await TinyModels.hubCache(for: "demucs")
        // As a file (@FILE), as an operator would keep it.
        let directory = TemporaryDirectory()
        let config = directory.write("demucs.json", #"{"hub_cache": "\#(cache)", "offline": true, "threads": 1}"#)
        let report = try await Self.check(Repository.engines + "/demucs", ["--config", "@" + config, "--run-timeout", "120"])
        #expect(report.failed.isEmpty, "\(report.output)")
        #expect(report.reasons["outputs-valid-wav"]?.contains("separate → vocals (44100 Hz, 2 ch") == true, "\(report.reasons)")
    }

    /// The real XTTS engine on its tiny random model, as XttsTests loads it:
    /// it stops a run in flight within shutdown_s at shutdown and at stdin
    /// EOF (a cancel mid-analysis of the 30 s reference, mid-decode, or
    /// mid-generation), and leaves nothing in $HOME or $TMPDIR (coqui's data
    /// folder, libpulse's runtime folders).
    @Test func xttsPassesWithItsTinyModelConfig() async throws {
        let cache = try await TinyModels.hubCache(for: "xtts")
        let config = #"{"hub_cache": "\#(cache)", "offline": true, "tos_agreed": true, "threads": 1}"#
        let report = try await Self.check(Repository.engines + "/xtts", ["--config", config, "--run-timeout", "120"])
        #expect(report.failed.isEmpty, "\(report.output)")
        #expect(report.status == 0)
        #expect(report.reasons["outputs-valid-wav"]?.contains("tts → output (24000 Hz, 1 ch") == true, "\(report.reasons)")
        #expect(report.reasons["shutdown-answers-runs"] == "the run in flight was answered cancelled", "\(report.reasons)")
        #expect(report.reasons["exit-on-stdin-eof"] == "exited with a run in flight", "\(report.reasons)")
    }

    /// A task with inputs gets a generated WAV of the manifest's `input_audio` shape.
    @Test func aTaskWithAudioInputsGetsAGeneratedWAV() async throws {
        let report = try await Self.check(Repository.fixtureEngines + "/check-inputs")
        #expect(report.failed.isEmpty, "\(report.output)")
        #expect(report.reasons["outputs-valid-wav"] == "echo → output (16000 Hz, 1 ch, 1.00 s)", "\(report.reasons)")
    }

    /// Each from-protocol variant breaks one rule; `alsoFailing` are rules
    /// that cannot be checked once that one is broken (the host kills the
    /// engine), or that the same fault breaks too (a bad kind in every error,
    /// a cancel ignored at shutdown as well). Each variant made for a rule
    /// added later breaks that rule alone.
    @Test(arguments: [
        ("check-wrong-name", "handshake", Set<String>()),
        (
            "check-chatty", "stdout-protocol-only",
            [
                "outputs-valid-wav", "cancel-honoured", "exit-on-shutdown", "exit-on-stdin-eof", "concurrent-runs", "ping-during-run",
                "bad-params-are-bad-input", "shutdown-answers-runs",
            ]
        ),
        (
            "check-double-answer", "one-response-per-request",
            [
                "cancel-honoured", "error-kinds", "exit-on-shutdown", "concurrent-runs", "ping-during-run", "bad-params-are-bad-input",
                "shutdown-answers-runs",
            ]
        ),
        ("check-progress-backwards", "progress-monotonic", []),
        ("check-ignore-cancel", "cancel-honoured", ["exit-on-shutdown", "shutdown-answers-runs"]),
        // Ignores cancel but finishes within cancel_s: the result comes long after the cancel (and shutdown does not stop its run).
        ("check-finish-despite-cancel", "cancel-honoured", ["shutdown-answers-runs"]),
        ("check-bad-kind", "error-kinds", ["cancel-honoured", "version-negotiation", "bad-params-are-bad-input", "shutdown-answers-runs"]),
        ("check-not-wav", "outputs-valid-wav", ["concurrent-runs"]),
        ("check-ignore-eof", "exit-on-stdin-eof", ["exit-on-shutdown", "shutdown-answers-runs"]),
        ("check-ignore-shutdown", "exit-on-shutdown", ["shutdown-answers-runs"]),
        ("check-stray-file", "writes-only-work-folder", []),
        ("check-accept-any-version", "version-negotiation", []),
        ("check-run-before-initialize", "protocol-errors", []),
        ("check-progress-after-result", "progress-monotonic", []),
        ("check-crash-on-unknown-cancel", "unknown-cancel-ignored", []),
        ("check-crash-on-repeated-cancel", "unknown-cancel-ignored", []),
        ("check-serialise", "concurrent-runs", []),
        ("check-ping-between-runs", "ping-during-run", []),
        ("check-ignore-params", "bad-params-are-bad-input", []),
        ("check-drop-runs-at-shutdown", "shutdown-answers-runs", []),
        ("check-bad-words", "words-timed", []),
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
        // Its two runs at once answer with text files too.
        #expect(result.stdout.contains("FAIL concurrent-runs:"))
        #expect(result.stdout.contains("\(CheckRule.allCases.count - 2) of \(CheckRule.allCases.count) rules passed"))
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
