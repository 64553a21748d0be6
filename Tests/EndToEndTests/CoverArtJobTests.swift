import AudioSpoolTestKit
import Foundation
import Testing

/// A job's `inputs.cover` is its outputs' front cover, as ffprobe sees it
/// (an attached picture stream); a cover that is no whole PNG or JPEG, or
/// that a symlink points at, fails the job before its engine runs.
@Suite(.timeLimit(.minutes(3))) struct CoverArtJobTests {
    /// A job folder with `files` beside job.json, delivered by rename.
    func deliver(_ fixture: SpoolFixture, _ id: String, _ job: String, files: [String: Data] = [:], links: [String: String] = [:]) throws {
        let staging = fixture.spool.tmp + "/" + id
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        try Data(job.utf8).write(to: URL(fileURLWithPath: staging + "/job.json"))
        for (name, data) in files { try data.write(to: URL(fileURLWithPath: staging + "/" + name)) }
        for (name, target) in links { try FileManager.default.createSymbolicLink(atPath: staging + "/" + name, withDestinationPath: target) }
        try FileManager.default.moveItem(atPath: staging, toPath: fixture.spool.new + "/" + id)
    }

    /// A tiny picture, written by ffmpeg.
    func picture(_ ext: String) async throws -> Data {
        let directory = TemporaryDirectory()
        let path = directory.file("cover.\(ext)")
        let made = try await ChildProcess.run(
            "/usr/bin/ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "color=c=green:s=16x16", "-frames:v", "1", path])
        #expect(made.status == 0, "\(made.stderr)")
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// The attached pictures' codecs ffprobe finds in `path`.
    func attachedPictures(_ path: String) async throws -> [String] {
        let probe = try await ChildProcess.run(
            "/usr/bin/ffprobe", ["-v", "error", "-show_entries", "stream=codec_name:stream_disposition=attached_pic", "-of", "csv=p=0", path])
        #expect(probe.status == 0, "\(probe.summary)")
        return probe.stdout.split(separator: "\n").filter { $0.hasSuffix(",1") }.map { String($0.dropLast(2)) }
    }

    func message(_ fixture: SpoolFixture, _ id: String) -> (kind: String?, message: String) {
        let error = fixture.json(.failed, id, "error.json")?["error"] as? [String: Any]
        return (error?["kind"] as? String, error?["message"] as? String ?? "not failed: \(fixture.entries(.done))")
    }

    @Test func aCoverPngIsTheFrontCoverOfTheMp3AndTheM4b() async throws {
        let fixture = try SpoolFixture()
        try deliver(
            fixture, "covered",
            #"{"engine": "tone", "task": "tone", "params": {"seconds": 1}, "inputs": {"cover": "cover.png"}, "outputs": [{"format": "mp3"}, {"format": "m4b"}, {"format": "wav"}]}"#,
            files: ["cover.png": try await picture("png")])
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        let folder = fixture.spool.path(of: .done, "covered")
        #expect(fixture.json(.done, "covered", "result.json") != nil, "\(message(fixture, "covered"))")
        #expect(try await attachedPictures(folder + "/output.mp3") == ["png"])
        #expect(try await attachedPictures(folder + "/output.m4b") == ["png"])
        #expect(try await attachedPictures(folder + "/output.wav") == [], "WAV holds no cover")
        #expect(try await Probe(folder + "/output.m4b").codec == "aac")
    }

    /// Chapters, spoken line by line: the joined Opus and each chapter's FLAC carry a JPEG cover.
    @Test func anEpisodesJoinedAndChapterFilesCarryTheCover() async throws {
        let fixture = try SpoolFixture()
        try deliver(
            fixture, "book",
            #"""
            {"engine": "tone", "task": "tts", "inputs": {"cover": "front.jpg"},
             "chapters": [{"title": "One", "text": "Hello there."}, {"title": "Two", "text": "Goodbye."}],
             "outputs": [{"format": "opus"}, {"format": "flac", "split": "chapters_only"}]}
            """#,
            files: ["front.jpg": try await picture("jpg")])
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        let folder = fixture.spool.path(of: .done, "book")
        #expect(fixture.json(.done, "book", "result.json") != nil, "\(message(fixture, "book"))")
        for file in ["output.opus", "01-one.flac", "02-two.flac"] {
            #expect(try await attachedPictures(folder + "/" + file) == ["mjpeg"], "\(file)")
        }
    }

    @Test func aCoverThatIsNoPictureFailsTheJob() async throws {
        let fixture = try SpoolFixture()
        let png = try await picture("png")
        let job = #"{"engine": "tone", "task": "tone", "params": {"seconds": 1}, "inputs": {"cover": "cover.png"}, "output": {"format": "mp3"}}"#
        try deliver(fixture, "text", job, files: ["cover.png": Data("This is not a picture, only text named .png\n".utf8)])
        try deliver(fixture, "cut", job, files: ["cover.png": png.prefix(png.count / 2)])
        try deliver(fixture, "linked", job, links: ["cover.png": "/etc/hostname"])
        try fixture.drop(
            "line.json", #"{"engine": "tone", "task": "tts", "script": [{"text": "Hi.", "inputs": {"cover": "x.png"}}], "output": {"format": "mp3"}}"#)
        _ = try await fixture.runUntilIdle()
        #expect(fixture.entries(.done).isEmpty)

        let text = message(fixture, "text")
        #expect(text.kind == "bad_input")
        #expect(text.message == #"inputs.cover: "cover.png" cannot be the cover: a cover image must be JPEG or PNG; these bytes are neither"#, "\(text)")
        let cut = message(fixture, "cut")
        #expect(cut.kind == "bad_input" && cut.message.hasPrefix(#"inputs.cover: "cover.png" cannot be the cover: the PNG is cut short"#), "\(cut)")
        let linked = message(fixture, "linked")
        #expect(linked.kind == "bad_input" && linked.message.contains("symbolic link"), "\(linked)")
        let line = message(fixture, "line")
        #expect(line.kind == "bad_input" && line.message.hasPrefix("script[0].inputs.cover: the cover is the job's"), "\(line)")
        // Failed before any engine ran: the attempts' history has no engine's error.
        #expect(fixture.json(.failed, "text", "error.json")?["attempts"] as? Int == 1)
    }
}
