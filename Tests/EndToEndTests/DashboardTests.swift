import AudioSpoolTestKit
import Foundation
import Glibc
import Spool
import Testing

/// The dashboard at `serve`'s `/` in a real browser: Debian's Chromium,
/// driven by Selenium (Tests/Tools/selenium/dashboard_check.py), against a
/// live `serve` and supervisor with the real Piper voice and the tone engine.
/// The script does what a user does and reports what the page showed; this
/// test holds that to what the spool holds.
@Suite(.timeLimit(.minutes(10))) struct DashboardTests {
    /// Where the screenshots are kept after the test (the fixture's folder goes).
    static let screenshots = Repository.root + "/.build/dashboard-screenshots"

    func check(_ scenario: String, _ serve: ServeProcess, in fixture: SpoolFixture, _ extra: [String] = []) async throws -> [String: Any] {
        let python = try await TestTools.program("python", in: "selenium")
        let outdir = fixture.directory.file("browser")
        try FileManager.default.createDirectory(atPath: outdir, withIntermediateDirectories: true)
        let run = try await ChildProcess.run(
            python, [Repository.root + "/Tests/Tools/selenium/dashboard_check.py", scenario, serve.base, outdir] + extra,
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

        // The .txt became the job a dropped file would be: Piper, task tts, the file as input.txt.
        let txt = try #require(facts["txt"] as? String)
        let job = try #require(fixture.json(.done, txt, "job.json"))
        #expect(job["engine"] as? String == "piper" && job["task"] as? String == "tts", "\(job)")
        let input = try String(contentsOfFile: fixture.spool.path(of: .done, txt) + "/input.txt", encoding: .utf8)
        #expect(input.hasPrefix("The spool keeps every job in a folder."))
        #expect(facts["txt_title"] as? String == "chapter.txt")
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
        let hostile = try #require(facts["hostile"] as? String)
        let typed = #"<script>alert(1)</script><img src=x onerror="alert(2)"> & "quotes""#
        #expect(fixture.json(.done, hostile, "job.json")?["text"] as? String == typed)
        #expect(facts["hostile_text"] as? String == typed)
        #expect(facts["hostile_elements"] as? Int == 0)
        #expect(facts["alert"] is NSNull)
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
        #expect(facts["key_in_urls"] as? Bool == false)
        #expect(facts["stored_key"] as? Bool == true)
        #expect((fixture.json(.done, bobs, "job.json")?["metadata"] as? [String: Any])?["submitted_by"] as? String == "bob")
        supervisor.signal(SIGTERM)
        await supervisor.wait()
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
