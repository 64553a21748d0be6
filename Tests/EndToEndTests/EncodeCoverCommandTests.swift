import AudioSpoolTestKit
import Foundation
import Testing

/// `audiospool encode --cover FILE`: the picture is the output's front
/// cover, as a job's `inputs.cover` is; a file that is no picture, or a
/// format without covers, is refused and nothing is written.
@Suite(.timeLimit(.minutes(2))) struct EncodeCoverCommandTests {
    let directory = TemporaryDirectory()

    func encode(_ arguments: [String]) async throws -> ChildProcess.Result {
        try await ChildProcess.run(Repository.executable, ["encode"] + arguments)
    }

    @Test(arguments: ["mp3", "m4a", "flac"]) func theCoverIsAnAttachedPicture(ext: String) async throws {
        let input = directory.file("in.wav")
        try TestSignals.noise(input, seconds: 1)
        let cover = directory.file("cover.png")
        let made = try await ChildProcess.run(
            "/usr/bin/ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "color=c=red:s=8x8", "-frames:v", "1", cover])
        #expect(made.status == 0, "\(made.stderr)")
        let output = directory.file("covered.\(ext)")
        let result = try await encode([input, output, "--cover", cover])
        #expect(result.status == 0, "\(result.summary)")
        let probe = try await ChildProcess.run(
            "/usr/bin/ffprobe", ["-v", "error", "-show_entries", "stream=codec_name:stream_disposition=attached_pic", "-of", "csv=p=0", output])
        #expect(probe.stdout.split(separator: "\n").contains("png,1"), "\(probe.summary)")
    }

    @Test func aCoverThatIsNoPictureIsRefused() async throws {
        let input = directory.file("in.wav")
        try TestSignals.noise(input, seconds: 1)
        let fake = directory.write("fake.png", "only text\n")
        let output = directory.file("out.mp3")
        let refused = try await encode([input, output, "--cover", fake])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--cover: '\(fake)' cannot be the cover: a cover image must be JPEG or PNG"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
        let wav = try await encode([input, directory.file("out.wav"), "--cover", fake])
        #expect(wav.stderr.contains("--cover: wav holds no cover picture; use one of mp3, m4b, m4a, opus, flac"), "\(wav.stderr)")
    }
}
