import AudioCodec
import AudioSpoolTestKit
import Foundation
import Testing

/// Opus, AAC in MP4 and ADTS, and raw PCM, each checked by ffmpeg and
/// ffprobe: what a player decodes is the audio's length (within one codec
/// frame), at the rate and channels asked for, with the tags given.
@Suite(.timeLimit(.minutes(3))) struct ContainerFormatTests {
    let directory = TemporaryDirectory()
    let source: String
    static let seconds = 3.0
    static let tags = AudioTags(title: "Chapter One", artist: "Zoë", album: "The Book", track: "1/12", comment: "made by audiospool")

    init() throws {
        source = directory.file("source.wav")
        try TestSignals.noise(source, rate: 44100, channels: 2, seconds: Self.seconds)
    }

    func encode(_ name: String, _ settings: EncoderSettings, from input: String? = nil) throws -> (String, Transcoder.Written) {
        let path = directory.file(name)
        let written = try Transcoder().encode(input: input ?? source, output: path, settings: settings)
        return (path, written)
    }

    func expectTags(_ path: String) async throws {
        let found = try await Probe(path).tags
        #expect(found["title"] == "Chapter One", "\(found)")
        #expect(found["artist"] == "Zoë", "\(found)")
        #expect(found["album"] == "The Book", "\(found)")
        #expect(found["comment"] == "made by audiospool", "\(found)")
        #expect(found["track"] == "1/12" || found["tracknumber"] == "1/12", "\(found)")
    }

    @Test(arguments: [1, 2])
    func opusIsOggOpusAt48kHz(channels: Int) async throws {
        let (path, written) = try encode("out\(channels).opus", EncoderSettings(format: .opus(kbps: 48), channels: channels, tags: Self.tags))
        #expect(written.properties.sampleRate == 48000 && written.properties.channels == channels)
        let probe = try await Probe(path)
        #expect(probe.formatName == "ogg" && probe.codec == "opus", "\(probe.formatName) \(probe.codec)")
        #expect(probe.sampleRate == 48000 && probe.channels == channels)
        // One Opus frame is 20 ms.
        #expect(abs(probe.duration - Self.seconds) <= 0.02, "\(probe.duration)")
        let decoded = try await Probe.decoded(path)
        #expect(decoded.sampleRate == 48000 && decoded.channels == channels)
        #expect(abs(Int(decoded.frames ?? 0) - 144_000) <= 960, "\(decoded.frames ?? 0) frames")
        // Noise at 48 kbit/s: the encoder's rate, not libopus's default.
        let bytes = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        let kbps = Double(bytes * 8) / Self.seconds / 1000
        #expect(kbps > 48 * 0.75 && kbps < 48 * 1.3, "\(kbps) kbit/s")
        try await expectTags(path)
    }

    @Test(arguments: [EncoderSettings.AacContainer.m4b, .m4a])
    func mp4HoldsAacAtTheInputRate(container: EncoderSettings.AacContainer) async throws {
        let (path, written) = try encode("out.\(container.rawValue)", EncoderSettings(format: .aac(kbps: 64, container: container), tags: Self.tags))
        #expect(written.properties.sampleRate == 44100)
        let probe = try await Probe(path)
        #expect(probe.formatName.contains("mp4") && probe.codec == "aac", "\(probe.formatName) \(probe.codec)")
        #expect(probe.sampleRate == 44100 && probe.channels == 2)
        #expect(abs(probe.duration - Self.seconds) <= 1024.0 / 44100, "\(probe.duration)")
        // The edit list drops the encoder's priming: the frames decoded are the input's.
        let decoded = try await Probe.decoded(path)
        #expect(abs(Int(decoded.frames ?? 0) - 132_300) <= 1024, "\(decoded.frames ?? 0) frames")
        #expect(probe.tags["major_brand"] == "M4A ", "\(probe.tags)")
        let kbps = Double(probe.bitRate ?? 0) / 1000
        #expect(kbps > 64 * 0.75 && kbps < 64 * 1.3, "\(kbps) kbit/s")
        try await expectTags(path)
    }

    @Test func aacIsADTSWithAnID3Tag() async throws {
        let (path, _) = try encode("out.aac", EncoderSettings(format: .aac(kbps: 96, container: .adts), sampleRate: 22050, channels: 1, tags: Self.tags))
        let probe = try await Probe(path)
        #expect(probe.formatName == "aac" && probe.codec == "aac" && probe.sampleRate == 22050 && probe.channels == 1)
        // ADTS cannot mark the encoder's 1024-sample priming, which decoders play.
        let decoded = try await Probe.decoded(path)
        let frames = Int(decoded.frames ?? 0)
        #expect(frames >= 66150 && frames < 66150 + 2048, "\(frames) frames")
        let found = try await Probe(path).tags
        #expect(found["title"] == "Chapter One" && found["artist"] == "Zoë", "\(found)")
    }

    @Test func pcmIsTheSixteenBitSamplesAndNothingElse() async throws {
        let (path, written) = try encode("out.pcm", EncoderSettings(format: .pcm16, sampleRate: 24000, channels: 1, tags: Self.tags))
        #expect(written.properties.sampleRate == 24000 && written.properties.channels == 1)
        let frames = Int(written.properties.frames ?? 0)
        #expect(abs(frames - 72000) <= 1)
        let bytes = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        #expect(bytes == frames * 2, "no header, no tags: \(bytes) bytes for \(frames) frames")
        // Read back as s16le, it is the 16-bit WAV of the same settings, sample for sample.
        let (wav, _) = try encode("same.wav", EncoderSettings(format: .wav(.pcm16), sampleRate: 24000, channels: 1))
        let decodedPath = directory.file("pcm.wav")
        let result = try await ChildProcess.run(
            "/usr/bin/ffmpeg", ["-v", "error", "-f", "s16le", "-ar", "24000", "-ac", "1", "-i", path, "-c:a", "pcm_s16le", decodedPath])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try TestSignals.read(decodedPath).1 == TestSignals.read(wav).1)
    }

    /// A cover goes where each container keeps one: MP4's covr, ID3v2's
    /// APIC, Opus's METADATA_BLOCK_PICTURE, FLAC's PICTURE block. ffprobe
    /// shows it as an attached picture.
    @Test(arguments: [("m4b", "png"), ("m4a", "jpg"), ("mp3", "jpg"), ("opus", "png"), ("flac", "png"), ("flac", "jpg")])
    func aCoverIsAnAttachedPicture(ext: String, image: String) async throws {
        let picture = directory.file("cover.\(image)")
        let made = try await ChildProcess.run(
            "/usr/bin/ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "color=c=red:s=24x16", "-frames:v", "1", picture])
        #expect(made.status == 0, "\(made.stderr)")
        let cover = try CoverArt(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: picture))))
        #expect(cover.width == 24 && cover.height == 16 && cover.kind == (image == "png" ? .png : .jpeg))
        let format: EncoderSettings.Format =
            switch ext {
            case "mp3": .mp3(.cbr(kbps: 64))
            case "opus": .opus(kbps: 32)
            case "flac": .flac(compressionLevel: 5, bitsPerSample: 16)
            default: .aac(kbps: 64, container: ext == "m4b" ? .m4b : .m4a)
            }
        let (path, _) = try encode("covered.\(ext)", EncoderSettings(format: format, tags: AudioTags(title: "T"), coverArt: cover))
        let result = try await ChildProcess.run(
            "/usr/bin/ffprobe", ["-v", "error", "-show_entries", "stream=codec_name:stream_disposition=attached_pic", "-of", "csv=p=0", path])
        let codec = image == "png" ? "png" : "mjpeg"
        #expect(result.stdout.split(separator: "\n").contains("\(codec),1"), "\(result.stdout) \(result.stderr)")
        #expect(try await Probe(path).tags["title"] == "T")
    }

    /// metaflac, libFLAC's own tool, reads the PICTURE block: a front cover
    /// with its type, size and bytes.
    @Test func aFlacCoverIsAFrontCoverPictureBlock() async throws {
        let picture = directory.file("front.png")
        let made = try await ChildProcess.run(
            "/usr/bin/ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "color=c=blue:s=40x30", "-frames:v", "1", picture])
        #expect(made.status == 0, "\(made.stderr)")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: picture)))
        let (path, _) = try encode("front.flac", EncoderSettings(format: .flac(compressionLevel: 5, bitsPerSample: 16), coverArt: try CoverArt(bytes: bytes)))
        let listed = try await ChildProcess.run("/usr/bin/metaflac", ["--list", "--block-type=PICTURE", path])
        #expect(listed.status == 0, "\(listed.summary)")
        for line in ["type: 3 (Cover (front))", "MIME type: image/png", "width: 40", "height: 30", "data length: \(bytes.count)"] {
            #expect(listed.stdout.contains(line), "\(line): \(listed.stdout)")
        }
        let exported = directory.file("exported.png")
        let export = try await ChildProcess.run("/usr/bin/metaflac", ["--export-picture-to=" + exported, path])
        #expect(export.status == 0, "\(export.summary)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: exported)) == Data(bytes))
        // Still a FLAC that decodes, verified as it was written.
        let test = try await ChildProcess.run("/usr/bin/flac", ["--test", "--silent", path])
        #expect(test.status == 0, "\(test.summary)")
    }

    @Test func aCoverMustBeAnImage() {
        #expect(throws: AudioError.self) { try CoverArt(bytes: Array("not a picture".utf8)) }
    }

    @Test func opusRefusesAnotherRate() {
        #expect(throws: AudioError.self) { _ = try encode("bad.opus", EncoderSettings(format: .opus(kbps: 64), sampleRate: 44100)) }
        #expect(!FileManager.default.fileExists(atPath: directory.file("bad.opus")))
    }
}
