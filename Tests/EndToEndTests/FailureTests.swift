import AudioSpoolTestKit
import Foundation
import Spool
import Testing

/// Bad input ends in failed/ with a reason, and loses nothing.
@Suite(.timeLimit(.minutes(3))) struct FailureTests {
    @Test func malformedJobsFailClearlyWhileGoodOnesRun() async throws {
        let fixture = try SpoolFixture()
        let bad: [(String, String, String, String)] = [
            ("syntax.json", "{\"engine\": ", "bad_input", "not valid JSON"),
            ("types.json", #"{"engine": "tone", "priority": "high"}"#, "bad_input", "field \"priority\" must be an integer"),
            ("noengine.json", #"{"task": "tone"}"#, "bad_input", "missing required field \"engine\""),
            ("unknown.json", #"{"engine": "whisper"}"#, "bad_input", "unknown engine \"whisper\""),
            ("task.json", #"{"engine": "tone", "task": "sing"}"#, "unsupported", "engine tone has no task \"sing\""),
            ("notext.json", #"{"engine": "tone", "task": "tts"}"#, "bad_input", "needs text"),
            ("param.json", #"{"engine": "tone", "params": {"seconds": -2}}"#, "bad_input", "param 'seconds' must be at least"),
            ("outside.json", #"{"engine": "tone", "task": "tts", "text_file": "../../config.json"}"#, "bad_input", "must stay inside the job folder"),
            ("missing.json", #"{"engine": "tone", "task": "tts", "text_file": "nowhere.txt"}"#, "bad_input", "is not in the job folder"),
            ("empty.txt", "", "bad_input", "needs text"),
            ("blank.txt", " \n\t ", "bad_input", "needs text"),
            ("binary.json", "\u{0}\u{1}\u{2}\u{FF}", "bad_input", "not valid JSON"),
            ("slides.pdf", "%PDF", "bad_input", ".pdf files are not accepted"),
        ]
        for (name, contents, _, _) in bad { try fixture.drop(name, contents) }
        try fixture.drop("good.json", #"{"engine": "tone", "params": {"seconds": 0.1}}"#)

        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        #expect(fixture.entries(.done) == ["good"])
        for (name, contents, kind, message) in bad {
            let id = String(name.split(separator: ".")[0])
            let error = try #require(fixture.json(.failed, id, "error.json"), "\(name) is not in failed/")
            #expect(error["status"] as? String == "failed")
            #expect(error["id"] as? String == id)
            let reason = try #require(error["error"] as? [String: Any])
            #expect(reason["kind"] as? String == kind, "\(name): \(reason)")
            #expect((reason["message"] as? String)?.contains(message) == true, "\(name): \(reason["message"] ?? "")")
            // Nothing is lost: the submission is kept, byte for byte.
            let kept = try FileManager.default.contentsOfDirectory(atPath: fixture.spool.path(of: .failed, id))
                .filter { $0 != "error.json" && $0 != "job.json" || name.hasSuffix(".json") && $0 == "job.json" }
            let original = try #require(kept.first { $0 != "error.json" && ($0 == "job.json" || $0.hasPrefix("input") || $0 == name) }, "\(name): \(kept)")
            let data = try Data(contentsOf: URL(fileURLWithPath: fixture.spool.path(of: .failed, id) + "/" + original))
            #expect(data == Data(contents.utf8), "\(name): the original was changed")
        }
        #expect(fixture.entries(.cur).isEmpty && fixture.entries(.new).isEmpty)
    }

    @Test func anEngineThatAlwaysCrashesUsesUpItsAttempts() async throws {
        let fixture = try SpoolFixture(engines: Repository.fixtureEngines)
        try fixture.drop("doomed.json", #"{"engine": "crash", "max_attempts": 2}"#)
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        let error = try #require(fixture.json(.failed, "doomed", "error.json"))
        #expect(error["attempts"] as? Int == 2)
        let reason = try #require(error["error"] as? [String: Any])
        #expect(reason["kind"] as? String == "engine_crashed")
        #expect((reason["message"] as? String)?.contains("boom: simulated crash") == true)
        let history = try #require(error["history"] as? [[String: Any]])
        #expect(history.count == 2)
        #expect(history.allSatisfy { ($0["error"] as? [String: Any])?["kind"] as? String == "engine_crashed" })
    }

    @Test func anOutputOutsideTheWorkFolderIsRefused() async throws {
        let fixture = try SpoolFixture(engines: Repository.fixtureEngines)
        try fixture.drop("sneaky.json", #"{"engine": "escape"}"#)
        _ = try await fixture.runUntilIdle()
        let error = try #require(fixture.json(.failed, "sneaky", "error.json"))
        let reason = try #require(error["error"] as? [String: Any])
        #expect(reason["kind"] as? String == "internal")
        #expect((reason["message"] as? String)?.contains("outside its work folder") == true)
    }

    @Test func aSymlinkDroppedIntoNewIsNotFollowed() async throws {
        let fixture = try SpoolFixture()
        let secret = fixture.directory.write("secret.json", #"{"engine": "tone"}"#)
        try FileManager.default.createSymbolicLink(atPath: fixture.spool.path(of: .new, "link.json"), withDestinationPath: secret)
        _ = try await fixture.runUntilIdle()
        let error = try #require(fixture.json(.failed, "link", "error.json"))
        #expect(((error["error"] as? [String: Any])?["message"] as? String)?.contains("symbolic link") == true)
        #expect(FileManager.default.fileExists(atPath: secret))
    }
}
