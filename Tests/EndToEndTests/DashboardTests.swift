import AudioSpoolTestKit
import Foundation
import Glibc
import Spool
import Testing

/// The dashboard at `serve`'s `/` in real browsers: Debian's Chromium,
/// driven by Selenium (Tests/Tools/selenium/dashboard_check.py), and its
/// firefox-esr, driven over Marionette (Tests/Tools/marionette/), against a
/// live `serve` and supervisor with the real Piper voice and the tone engine.
/// The scripts do what a user does and report what the page showed; these
/// tests hold that to what the spool holds.
@Suite(.timeLimit(.minutes(10))) struct DashboardTests {
    /// Where the screenshots are kept after the test (the fixture's folder goes).
    static let screenshots = Repository.root + "/.build/dashboard-screenshots"

    func check(_ scenario: String, _ serve: ServeProcess, in fixture: SpoolFixture, _ extra: [String] = []) async throws -> [String: Any] {
        try await drive("selenium", "dashboard_check.py", [scenario, serve.base, fixture.directory.file("browser")] + extra, in: fixture)
    }

    /// Runs a tool set's script; what the page showed, from its last line.
    func drive(_ tools: String, _ script: String, _ arguments: [String], in fixture: SpoolFixture) async throws -> [String: Any] {
        let python = try await TestTools.program("python", in: tools)
        try FileManager.default.createDirectory(atPath: fixture.directory.file("browser"), withIntermediateDirectories: true)
        let run = try await ChildProcess.run(
            python, [Repository.root + "/Tests/Tools/\(tools)/\(script)"] + arguments,
            environment: ["SE_OFFLINE": "true", "HOME": fixture.directory.path])
        try #require(run.status == 0, "\(run.stderr.suffix(8000))")
        let line = try #require(run.stdout.split(separator: "\n").last)
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func aUserSubmitsWatchesPlaysRetriesAndCancels() async throws {
        let fixture = try SpoolFixture(config: ["tts_engine": "piper", "output": ["format": "mp3"], "concurrency": 2])
        let supervisor = try await fixture.startSupervisor()
        let serve = try await ServeProcess.start(fixture)
        let facts = try await check("queue", serve, in: fixture)

        // The page loaded under its Content-Security-Policy with nothing refused.
        #expect((facts["load_console_errors"] as? [Any])?.isEmpty == true, "\(facts["load_console_errors"] ?? "")")

        // The keyboard reaches the file input, then the text and each choice.
        let tabs = facts["tab_order"] as? [String] ?? []
        #expect(Array(tabs.prefix(7)) == ["files", "text", "engine", "voice", "format", "loudness", "speak-submit"], "\(tabs)")

        let txt = try expectTextFileJob(facts, in: fixture, engine: "piper", file: "chapter.txt", opening: "The spool keeps every job in a folder.")
        let running = facts["txt_running"] as? [String] ?? []
        #expect(!running.isEmpty, "the page never showed the job running with a progress bar")
        #expect(running.contains { $0.range(of: #"[0-9]+ of [0-9]+ segments"#, options: .regularExpression) != nil }, "no segments done of total: \(running)")
        let duration = try #require(facts["txt_duration"] as? Double)
        let output = try #require((fixture.json(.done, txt, "result.json")?["outputs"] as? [[String: Any]])?.first)
        #expect(abs(duration - (output["duration_s"] as? Double ?? 0)) < 0.2, "the player's \(duration) s against result.json's \(output)")
        #expect(facts["txt_download"] as? String == output["path"] as? String)

        // A bad job.json gets the API's own message; a .pdf is refused by the page.
        let refused = try await serve.curl(
            "/v1/jobs", ["-H", "Content-Type: application/json", "--data-binary", #"{"engine": "tone", "ouptut": {"format": "mp3"}}"#])
        #expect(refused.status == 400)
        #expect(facts["refused"] as? String == refused.error.message, "\(facts["refused"] ?? "") against \(refused.text)")
        #expect((facts["refused_pdf"] as? String)?.contains("nothing was submitted") == true)

        // The failed job showed its error, and Retry ran it again: two attempts in error.json.
        let failing = try #require(facts["failing"] as? String)
        let error = try #require(fixture.json(.failed, failing, "error.json"))
        let message = try #require((error["error"] as? [String: Any])?["message"] as? String)
        #expect((facts["failed_error"] as? String)?.contains(message) == true, "\(facts["failed_error"] ?? "") against \(message)")
        #expect((facts["failed_error"] as? String)?.hasPrefix("bad_input") == true)
        // (The script saw it leave failed/ after Retry and fail again; the card still shows the error.)
        #expect((facts["failed_again"] as? String)?.contains(message) == true)

        // Cancelled from the page: failed/ with kind cancelled.
        let later = try #require(facts["later"] as? String)
        #expect((fixture.json(.failed, later, "error.json")?["error"] as? [String: Any])?["kind"] as? String == "cancelled")

        // Markup in the text is text: shown as typed, no element made of it, no alert, no console error.
        try expectMarkupShownAsText(facts, in: fixture)
        #expect((facts["hostile_console_errors"] as? [Any])?.isEmpty == true, "\(facts["hostile_console_errors"] ?? "")")

        // The running job in the screenshot, and the page at phone width without sideways scrolling.
        #expect((facts["slow_running_text"] as? String)?.contains("%") == true)
        #expect(facts["phone_overflow"] as? Bool == false)
        try keepScreenshots(from: fixture.directory.file("browser"))
        supervisor.signal(SIGTERM)
        await supervisor.wait()
    }

    @Test func withKeysEachTenantSeesOnlyItsOwnJobs() async throws {
        let fixture = try SpoolFixture(config: ["tts_engine": "tone"])
        let keys = fixture.directory.file("keys")
        try "alice:alice-secret-key-0001\nbob:bob-secret-key-000002\n".write(toFile: keys, atomically: true, encoding: .utf8)
        let supervisor = try await fixture.startSupervisor()
        let serve = try await ServeProcess.start(fixture, ["--api-keys", keys])
        let facts = try await check("keys", serve, in: fixture, ["alice-secret-key-0001", "bob-secret-key-000002", "alice-secret-key-9999"])

        #expect((facts["wrong_key"] as? String)?.contains("not accepted") == true, "\(facts["wrong_key"] ?? "")")
        #expect(facts["app_hidden_after_wrong_key"] as? Bool == true)
        let alices = try #require(facts["alices"] as? String), bobs = try #require(facts["bobs"] as? String)
        #expect((fixture.json(.done, alices, "job.json")?["metadata"] as? [String: Any])?["submitted_by"] as? String == "alice")
        #expect(facts["alice_saw"] as? [String] == [alices], "alice's page showed \(facts["alice_saw"] ?? "")")
        #expect(facts["alice_page_mentions_bob"] as? Bool == false)
        #expect(facts["bob_page_mentions_alice"] as? Bool == false)
        // With a key the player fetches the file with it (a blob), and the key is in no URL.
        #expect((facts["alice_duration"] as? Double ?? 0) > 0)
        // Her output's waveform, drawn from the same blob the player plays.
        let drawn = facts["alice_waveform"] as? [String: Any] ?? [:]
        #expect((drawn["painted"] as? Int ?? 0) > 100 && drawn["painted"] as? Int == drawn["width"] as? Int, "\(drawn)")
        #expect(facts["key_in_urls"] as? Bool == false)
        #expect(facts["stored_key"] as? Bool == true)
        #expect((fixture.json(.done, bobs, "job.json")?["metadata"] as? [String: Any])?["submitted_by"] as? String == "bob")
        supervisor.signal(SIGTERM)
        await supervisor.wait()
    }

    @Test func olderJobsPageInAFallbackSaysWhyAndAWaveformIsDrawn() async throws {
        let engines = try EngineVariants()
        try engines.add("tone", from: Repository.engines + "/tone")
        try engines.add("gpu-preferred", from: Repository.fixtureEngines + "/gpu-preferred")
        let fixture = try SpoolFixture(engines: engines.path, config: ["tts_engine": "tone", "gpus": ["fake": 1], "concurrency": 2])
        let supervisor = try await fixture.startSupervisor()
        let serve = try await ServeProcess.start(fixture)
        let facts = try await check("details", serve, in: fixture)

        // 205 waiting jobs: the newest 200 first, then "Older jobs" brings the oldest 5, at the end.
        // (Newest as the API orders them: two jobs' job.json may share a file system timestamp.)
        let parked = try #require(facts["parked"] as? [String])
        let listed = (try await serve.curl("/v1/jobs?limit=1000").json["jobs"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        let newest = listed.filter(Set(parked).contains)
        #expect(newest.count == 205)
        let first = facts["first_page"] as? [String] ?? []
        #expect(Set(first) == Set(newest.prefix(200)), "the first page is the newest 200")
        #expect(facts["older_shown"] as? Bool == true && facts["older_shown_after"] as? Bool == false)
        let all = facts["all_pages"] as? [String] ?? []
        #expect(all.count == 205 && Set(all) == Set(parked) && Set(all.suffix(5)) == Set(newest.suffix(5)), "\(all.suffix(6))")
        let relisted = facts["after_relist"] as? [String] ?? []
        #expect(Set(relisted.suffix(5)) == Set(newest.suffix(5)), "listed again, the older jobs stay: \(relisted.suffix(6))")

        // The job placed on the CPU says why, as its status.json does. Either
        // reason is the pool's own for this placement: it names the busy
        // instances when its look at the slot locks (/proc/locks) finds one free.
        let reason = #/cpu because (no free GPU slot|engine gpu-preferred's GPU instances are busy)/#
        #expect((facts["fallback_text"] as? String)?.contains(reason) == true, "\(facts["fallback_text"] ?? "")")

        // The waveform: every column painted, the tone's swing well above the silent hairline.
        let drawn = try #require(facts["waveform"] as? [String: Any])
        let (width, height) = (drawn["width"] as? Int ?? 0, drawn["height"] as? Int ?? 0)
        #expect(width > 100 && drawn["painted"] as? Int == width, "\(drawn)")
        #expect((drawn["tallest"] as? Int ?? 0) > height / 4, "\(drawn)")
        #expect((facts["console_errors"] as? [Any])?.isEmpty == true, "\(facts["console_errors"] ?? "")")
        supervisor.signal(SIGTERM)
        await supervisor.wait()
        withExtendedLifetime(engines) {}
    }

    /// The core flow in Firefox: a file through the input, its player and
    /// waveform, and markup shown as text.
    @Test func inFirefoxATextFileBecomesAJobThatPlaysAndMarkupIsText() async throws {
        let fixture = try SpoolFixture(config: ["tts_engine": "tone"])
        let supervisor = try await fixture.startSupervisor()
        let serve = try await ServeProcess.start(fixture)
        let facts = try await drive("marionette", "dashboard_firefox.py", [serve.base, fixture.directory.file("browser")], in: fixture)

        #expect((facts["user_agent"] as? String)?.contains("Firefox/") == true, "\(facts["user_agent"] ?? "")")
        let txt = try expectTextFileJob(facts, in: fixture, engine: "tone", file: "firefox.txt", opening: "Firefox reads this file.")
        let duration = try #require(facts["txt_duration"] as? Double)
        let output = try #require((fixture.json(.done, txt, "result.json")?["outputs"] as? [[String: Any]])?.first)
        #expect(abs(duration - (output["duration_s"] as? Double ?? 0)) < 0.2, "the player's \(duration) s against result.json's \(output)")
        let drawn = facts["txt_waveform"] as? [String: Any] ?? [:]
        #expect((drawn["painted"] as? Int ?? 0) > (drawn["width"] as? Int ?? .max), "a blank waveform: \(facts["txt_waveform"] ?? "")")

        try expectMarkupShownAsText(facts, in: fixture)
        #expect((facts["errors"] as? [Any])?.isEmpty == true, "\(facts["errors"] ?? "")")
        supervisor.signal(SIGTERM)
        await supervisor.wait()
    }

    /// The .txt the browser gave the file input became the job a dropped
    /// file would be: `engine`, task tts, the file as input.txt, its name as
    /// the card's title. Returns the job's id.
    func expectTextFileJob(_ facts: [String: Any], in fixture: SpoolFixture, engine: String, file: String, opening: String) throws -> String {
        let txt = try #require(facts["txt"] as? String)
        let job = try #require(fixture.json(.done, txt, "job.json"))
        #expect(job["engine"] as? String == engine && job["task"] as? String == "tts", "\(job)")
        let input = try String(contentsOfFile: fixture.spool.path(of: .done, txt) + "/input.txt", encoding: .utf8)
        #expect(input.hasPrefix(opening))
        #expect(facts["txt_title"] as? String == file)
        return txt
    }

    /// The job whose text is markup: shown as typed, no element made of
    /// it, no alert.
    func expectMarkupShownAsText(_ facts: [String: Any], in fixture: SpoolFixture) throws {
        let hostile = try #require(facts["hostile"] as? String)
        let typed = #"<script>alert(1)</script><img src=x onerror="alert(2)"> & "quotes""#
        #expect(fixture.json(.done, hostile, "job.json")?["text"] as? String == typed)
        #expect(facts["hostile_text"] as? String == typed)
        #expect(facts["hostile_elements"] as? Int == 0)
        #expect(facts["alert"] is NSNull)
    }

    func keepScreenshots(from folder: String) throws {
        try FileManager.default.createDirectory(atPath: Self.screenshots, withIntermediateDirectories: true)
        for name in ["dashboard.png", "dashboard-phone.png"] {
            let data = try #require(FileManager.default.contents(atPath: folder + "/" + name), "no \(name)")
            #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(name) is not a PNG")
            try data.write(to: URL(fileURLWithPath: Self.screenshots + "/" + name))
        }
    }
}
