import AudioCodec
import AudioSpoolTestKit
import Basics
import Foundation
import Spool
import Testing

/// The real CLI, a temporary spool and the real tone engine.
@Suite(.timeLimit(.minutes(3))) struct SubmitAndRunTests {
    @Test func theIssueExampleGivesATwoSecondTone() async throws {
        let fixture = try SpoolFixture()
        let id = try await fixture.submit("--engine", "tone", "--param", "seconds=2", "--param", "frequency=440", "--format", "wav")
        #expect(id.hasPrefix("tone-"))
        #expect(fixture.entries(.new) == ["\(id).json"])

        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        #expect(fixture.entries(.done) == [id])
        let folder = fixture.spool.path(of: .done, id)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["job.json", "output.wav", "result.json"])

        let result = try #require(fixture.json(.done, id, "result.json"))
        #expect(result["id"] as? String == id)
        #expect(result["status"] as? String == "done")
        #expect((result["engine"] as? [String: Any])?["name"] as? String == "tone")
        #expect((result["engine"] as? [String: Any])?["version"] as? String == "1.0.0")
        #expect(result["device"] as? String == "cpu")
        #expect(result["attempts"] as? Int == 1)
        let timings = try #require(result["timings"] as? [String: Any])
        #expect(Timestamp.parse(timings["claimed_at"] as? String ?? "") != nil)
        #expect((timings["total_s"] as? Double ?? -1) >= 0)

        let outputs = try #require(result["outputs"] as? [[String: Any]])
        let output = try #require(outputs.first)
        #expect(outputs.count == 1)
        #expect(output["path"] as? String == "output.wav")
        #expect(output["format"] as? String == "wav")
        #expect(output["sample_rate"] as? Int == 24000)
        #expect(output["channels"] as? Int == 1)
        #expect(output["duration_s"] as? Double == 2)
        let wav = folder + "/output.wav"
        let size = try FileManager.default.attributesOfItem(atPath: wav)[.size] as? Int
        #expect(output["bytes"] as? Int == size)
        #expect(output["sha256"] as? String == (try await sha256(wav)))

        let audio = try Audio(wav)
        #expect(audio.properties.frames == 48000)
        #expect(abs(audio.frequency - 440) < 2, "the tone is \(audio.frequency) Hz")
        #expect(fixture.entries(.new).isEmpty && fixture.entries(.cur).isEmpty && fixture.entries(.failed).isEmpty)
    }

    @Test func aJobFileDroppedIntoNew() async throws {
        let fixture = try SpoolFixture()
        try fixture.drop("beep.json", #"{"engine": "tone", "params": {"seconds": 0.5, "sample_rate": 16000}, "output": {"format": "wav", "bit_depth": 24}, "metadata": {"ticket": 7}}"#)
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        let result = try #require(fixture.json(.done, "beep", "result.json"))
        #expect((result["metadata"] as? [String: Any])?["ticket"] as? Int == 7)
        let wav = try Data(contentsOf: URL(fileURLWithPath: fixture.spool.path(of: .done, "beep") + "/output.wav"))
        #expect(wav[34] == 24, "bits per sample in the fmt chunk")
        #expect(try Audio(fixture.spool.path(of: .done, "beep") + "/output.wav").properties.frames == 8000)
        // The job file is kept as submitted.
        let job = try String(contentsOfFile: fixture.spool.path(of: .done, "beep") + "/job.json", encoding: .utf8)
        #expect(job.contains("\"ticket\": 7"))
    }

    @Test func aJobFolderWithItsOwnFiles() async throws {
        let fixture = try SpoolFixture()
        let staging = fixture.spool.tmp + "/speech"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        try #"{"engine": "tone", "task": "tts", "text_file": "words.txt"}"#.write(toFile: staging + "/job.json", atomically: false, encoding: .utf8)
        try "one two three four five".write(toFile: staging + "/words.txt", atomically: false, encoding: .utf8)
        try FileManager.default.moveItem(atPath: staging, toPath: fixture.spool.path(of: .new, "speech"))

        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        let folder = fixture.spool.path(of: .done, "speech")
        #expect(FileManager.default.fileExists(atPath: folder + "/words.txt"), "inputs are kept")
        let audio = try Audio(folder + "/output.wav")
        #expect(abs(audio.seconds - 5 * 0.2) < 0.01, "one beep and gap per word: \(audio.seconds) s")
    }

    @Test func aPlainTextFileIsSpokenByTheDefaultEngine() async throws {
        let fixture = try SpoolFixture()
        try fixture.drop("chapter.txt", "It was a bright cold day in April.")
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        let folder = fixture.spool.path(of: .done, "chapter")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["input.txt", "job.json", "output.wav", "result.json"])
        let job = try #require(fixture.json(.done, "chapter", "job.json"))
        #expect(job["engine"] as? String == "tone")
        #expect(job["text_file"] as? String == "input.txt")
        #expect(abs(try Audio(folder + "/output.wav").seconds - 8 * 0.2) < 0.01)
    }

    @Test func higherPriorityRunsFirst() async throws {
        let fixture = try SpoolFixture(config: ["concurrency": 1])
        for (name, priority) in [("low", 1), ("high", 9), ("middle", 5)] {
            let path = try fixture.drop("\(name).json", #"{"engine": "tone", "params": {"seconds": 0.05}, "priority": \#(priority)}"#)
            // Settled long ago, so all three are ready at the first scan.
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: path)
        }
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        let claimed = try ["low", "high", "middle"].map { name in
            let result = try #require(fixture.json(.done, name, "result.json"))
            return (name, (result["timings"] as? [String: Any])?["claimed_at"] as? String ?? "")
        }
        #expect(claimed.sorted { $0.1 < $1.1 }.map(\.0) == ["high", "middle", "low"])
    }

    @Test func statusShowsCountsAndOneJob() async throws {
        let fixture = try SpoolFixture()
        let id = try await fixture.submit("--engine", "tone", "--param", "seconds=0.1")
        var status = try await fixture.cli("status", "--json", engines: false)
        let counts = try #require((try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["counts"] as? [String: Int])
        #expect(counts == ["new": 1, "cur": 0, "done": 0, "failed": 0])
        status = try await fixture.cli("status", id, engines: false)
        #expect(status.stdout.contains("\(id): pending"))

        _ = try await fixture.runUntilIdle()
        status = try await fixture.cli("status", id, "--json", engines: false)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(document["state"] as? String == "done")
        #expect((document["result"] as? [String: Any])?["id"] as? String == id)
        status = try await fixture.cli("status", "no-such-job", engines: false)
        #expect(status.status == 1)
    }

    @Test func submitRejectsMistakesBeforeTheyReachTheSpool() async throws {
        let fixture = try SpoolFixture()
        var result = try await fixture.cli("submit", "--engine", "nope")
        #expect(result.status != 0)
        #expect(result.stderr.contains("unknown engine \"nope\""), "\(result.stderr)")
        result = try await fixture.cli("submit", "--engine", "tone", "--priority", "12")
        #expect(result.stderr.contains("field \"priority\" must be an integer from 0 to 9"), "\(result.stderr)")
        result = try await fixture.cli("submit", "--engine", "tone", "--format", "aiff")
        #expect(result.stderr.contains("--format must be one of wav"), "\(result.stderr)")
        result = try await fixture.cli("submit", "--engine", "tone", "--param", "novalue")
        #expect(result.stderr.contains("--param must be key=value"), "\(result.stderr)")
        #expect(fixture.entries(.new).isEmpty)
    }

    @Test func submitCarriesAJobFilesInputs() async throws {
        let fixture = try SpoolFixture()
        let source = TemporaryDirectory()
        source.write("speak.json", #"{"engine": "tone", "task": "tts", "text_file": "texts/hello.txt"}"#)
        source.write("texts/hello.txt", "hello there")
        let id = try await fixture.submit(source.file("speak.json"))
        #expect(id.hasPrefix("speak-"))
        _ = try await fixture.runUntilIdle()
        #expect(FileManager.default.fileExists(atPath: fixture.spool.path(of: .done, id) + "/texts/hello.txt"))
        #expect(abs(try Audio(fixture.spool.path(of: .done, id) + "/output.wav").seconds - 0.4) < 0.01)
    }
}
