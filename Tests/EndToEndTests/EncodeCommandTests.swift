import AudioSpoolTestKit
import Foundation
import Glibc
import Testing

@Suite(.timeLimit(.minutes(3))) struct EncodeCommandTests {
    let directory = TemporaryDirectory()

    func encode(_ arguments: String...) async throws -> ChildProcess.Result {
        try await ChildProcess.run(Repository.executable, ["encode"] + arguments)
    }

    @Test func theFormatComesFromTheExtension() async throws {
        let input = directory.file("in.wav")
        try TestSignals.noise(input, seconds: 1)
        var result = try await encode(input, directory.file("out.flac"), "--compression-level", "3", "--tag", "title=X")
        #expect(result.status == 0, "\(result.summary)")
        #expect(result.stdout.contains("flac, 44100 Hz, 2 ch, 1.000 s"))
        #expect(try await Probe(directory.file("out.flac")).tags["title"] == "X")
        result = try await encode(input, directory.file("out.bin"), "--format", "mp3", "--vbr-quality", "5", "--sample-rate", "22050", "--loudness-lufs", "-18")
        #expect(result.status == 0, "\(result.summary)")
        let probe = try await Probe(directory.file("out.bin"))
        #expect(probe.codec == "mp3" && probe.sampleRate == 22050)
    }

    @Test(arguments: ["mp3", "flac", "wav"])
    func utf8TagsReadBack(ext: String) async throws {
        let input = directory.file("in.wav")
        try TestSignals.noise(input, seconds: 0.5)
        let output = directory.file("out.\(ext)")
        let result = try await encode(input, output, "--tag", "title=Café ☕", "--tag", "artist=Zoë")
        #expect(result.status == 0, "\(result.summary)")
        let tags = try await Probe(output).tags
        #expect(tags["title"] == "Café ☕" && tags["artist"] == "Zoë", "\(tags)")
    }

    /// It once waited for ever for a writer.
    @Test func aFIFOAsInputIsRefused() async throws {
        let fifo = directory.file("in.wav")
        #expect(mkfifo(fifo, 0o600) == 0)
        let result = try await encode(fifo, directory.file("out.wav"))
        #expect(result.status == 1, "\(result.summary)")
        #expect(result.stderr.contains("it is a FIFO, not a regular file"), "\(result.stderr)")
    }

    @Test func mistakesNameTheFlag() async throws {
        let input = directory.file("in.wav")
        try TestSignals.noise(input, seconds: 0.2)
        var result = try await encode(input, directory.file("out.ogg"))
        #expect(result.status != 0)
        #expect(result.stderr.contains("must be one of wav, mp3, flac"), "\(result.stderr)")
        result = try await encode(input, directory.file("out.wav"), "--bitrate-kbps", "128")
        #expect(result.stderr.contains("--bitrate-kbps applies to mp3, opus, m4b, m4a and aac only"), "\(result.stderr)")
        result = try await encode(directory.file("missing.wav"), directory.file("out.wav"))
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot read audio"), "\(result.stderr)")
    }

    @Test func aFileSizeLimitIsAnErrorAndLeavesNothing() async throws {
        let input = directory.file("in.wav")
        try TestSignals.noise(input, seconds: 3)
        let output = directory.file("out/limited.wav")
        try FileManager.default.createDirectory(atPath: directory.file("out"), withIntermediateDirectories: true)
        let result = try await ChildProcess.run(
            "/bin/sh", ["-c", "ulimit -f 100; exec \"$0\" encode \"$1\" \"$2\"", Repository.executable, input, output])
        #expect(result.status == 1, "\(result.summary)")
        #expect(result.stderr.contains("File too large"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("out")).isEmpty)
    }
}
