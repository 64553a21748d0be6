@testable import AudioCodec
import AudioSpoolTestKit
import Foundation
import Testing

/// Our MP4 writer, read back by an independent box reader and by FFmpeg:
/// a normal file (one `moov`, after `mdat`; no fragments) with what the
/// ipod muxer wrote before: the AAC track with its delay in an edit list,
/// a chapter text track and `chpl`, iTunes tags and `covr`.
@Suite(.timeLimit(.minutes(3))) struct Mp4WriterTests {
    let directory = TemporaryDirectory()
    let source: String
    static let seconds = 5.0
    /// ChapterTests' marks: the same titles and starts, in MP4 this time.
    static let chapters = ChapterTests.chapters
    static let tags = AudioTags(title: "The Book", artist: "Zoë", album: "Books", track: "2/9", comment: "read aloud")

    init() throws {
        source = directory.file("source.wav")
        try TestSignals.noise(source, rate: 44100, channels: 2, seconds: Self.seconds)
    }

    func cover() async throws -> CoverArt {
        let picture = directory.file("cover.png")
        let made = try await ChildProcess.run(
            "/usr/bin/ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "color=c=red:s=32x32", "-frames:v", "1", picture])
        #expect(made.status == 0, "\(made.stderr)")
        return try CoverArt(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: picture))))
    }

    /// ffmpeg decodes every packet without a complaint.
    func expectCleanDecode(_ path: String) async throws {
        let result = try await ChildProcess.run("/usr/bin/ffmpeg", ["-v", "error", "-nostdin", "-i", path, "-f", "null", "-"])
        #expect(result.status == 0 && result.stderr.isEmpty, "\(result.summary)")
    }

    func expectChapters(_ path: String, _ marks: [ChapterMark], end: Double) async throws {
        let found = try await Probe.chapters(path)
        #expect(found.map(\.title) == marks.map(\.title), "\(found)")
        for (chapter, mark) in zip(found, marks) { #expect(abs(chapter.start - mark.startSeconds) <= 0.001, "\(found)") }
        for (chapter, next) in zip(found, found.dropFirst()) { #expect(abs(chapter.end - next.start) <= 0.001, "\(found)") }
        #expect(abs((found.last?.end ?? 0) - end) <= 0.05, "\(found)")
    }

    @Test(arguments: [EncoderSettings.AacContainer.m4b, .m4a])
    func oneMoovAfterTheAudioAsTheIpodMuxerLaidItOut(container: EncoderSettings.AacContainer) async throws {
        let path = directory.file("book.\(container.rawValue)")
        let settings = EncoderSettings(format: .aac(kbps: 64, container: container), tags: Self.tags, chapters: Self.chapters, coverArt: try await cover())
        try Transcoder().encode(input: source, output: path, settings: settings)
        let tree = try Mp4BoxTree(path: path)
        #expect(tree.boxes.map(\.type) == ["ftyp", "free", "mdat", "moov"], "\(tree.boxes.map(\.type))")
        #expect(tree.box("moov/mvex") == nil && tree.box("moof") == nil)
        let mdat = try #require(tree.box("mdat"))
        #expect(mdat.offset + mdat.size == tree.box("moov")?.offset)
        #expect(tree.boxes("moov/trak").count == 2)
        // The audio track points at the chapter track (ID 2), which Apple players read.
        let chap = try #require(tree.box("moov/trak/tref/chap"))
        #expect(chap.size == 12 && tree.number(in: chap, at: 0, 4) == 2)
        #expect(tree.box("moov/udta/chpl") != nil && tree.box("moov/udta/meta/ilst/covr") != nil)
        // The encoder's 1024-sample delay is before the first edit.
        let elst = try #require(tree.box("moov/trak/edts/elst"))
        #expect(tree.number(in: elst, at: 12, 4) == 1024)
        // One size per packet; the packets fill mdat after the titles.
        let stsz = try #require(tree.box("moov/trak/mdia/minf/stbl/stsz"))
        let packets = Int(tree.number(in: stsz, at: 8, 4))
        #expect(stsz.size == 20 + 4 * packets && packets == (Int(Self.seconds * 44100) + 1024 + 1023) / 1024, "\(packets)")
        try await expectCleanDecode(path)
        let probe = try await Probe(path)
        #expect(probe.codec == "aac" && probe.sampleRate == 44100 && probe.channels == 2)
        #expect(abs(probe.duration - Self.seconds) <= 1024.0 / 44100, "\(probe.duration)")
        #expect(probe.tags["title"] == "The Book" && probe.tags["artist"] == "Zoë" && probe.tags["track"] == "2/9", "\(probe.tags)")
        #expect(probe.tags["album"] == "Books" && probe.tags["comment"] == "read aloud" && probe.tags["major_brand"] == "M4A ", "\(probe.tags)")
        let decoded = try await Probe.decoded(path)
        #expect(abs(Int(decoded.frames ?? 0) - Int(Self.seconds * 44100)) <= 1024, "\(decoded.frames ?? 0) frames")
        let streams = try await ChildProcess.run(
            "/usr/bin/ffprobe", ["-v", "error", "-show_entries", "stream=codec_type,codec_tag_string:stream_disposition=attached_pic", "-of", "csv=p=0", path])
        #expect(streams.stdout.split(separator: "\n") == ["audio,mp4a,0", "data,text,0", "video,[0][0][0][0],1"], "\(streams.stdout)")
        try await expectChapters(path, Self.chapters, end: Self.seconds)
    }

    /// A book whose first chapter starts late: the chapter track waits in
    /// an empty edit (as FFmpeg's muxer writes it), and each chapter starts
    /// where it was asked to. FFmpeg's demuxer ends the last one at the end
    /// of the text media, not counting the empty edit: 0.5 s early here.
    @Test func aFirstChapterAfterTheStartWaitsInAnEmptyEdit() async throws {
        let path = directory.file("late.m4b")
        let marks = [ChapterMark(title: "Main", startSeconds: 0.5), ChapterMark(title: "Credits", startSeconds: 4)]
        try Transcoder().encode(input: source, output: path, settings: EncoderSettings(format: .aac(kbps: 64, container: .m4b), chapters: marks))
        try await expectChapters(path, marks, end: Self.seconds - 0.5)
        let tree = try Mp4BoxTree(path: path)
        let elst = try #require(tree.boxes("moov/trak/edts/elst").last)
        #expect(tree.number(in: elst, at: 4, 4) == 2 && tree.number(in: elst, at: 8, 4) == 500 && tree.number(in: elst, at: 12, 4) == 0xFFFF_FFFF)
        try await expectCleanDecode(path)
    }

    /// Past 4 GiB, `mdat` has a 64-bit size (over the `free` box before it)
    /// and chunk offsets are `co64`. Checked on a small file with the limit
    /// lowered to 0, from the packets of an ADTS encode.
    @Test func pastTheLimitMdatAndChunkOffsetsAre64Bit() async throws {
        let adts = directory.file("packets.aac")
        try Transcoder().encode(input: source, output: adts, settings: EncoderSettings(format: .aac(kbps: 64, container: .adts), sampleRate: 22050, channels: 1))
        let (config, packets) = try AdtsPackets.read(adts)
        let path = directory.file("large.m4b")
        let file = try CheckedFileStream(path: path)
        let track = Mp4Writer.AudioTrack(sampleRate: 22050, channels: 1, decoderConfig: config, priming: 1024, bitRate: 64000)
        let writer = try Mp4Writer(file: file, audio: track, tags: Self.tags, chapters: Self.chapters, coverArt: nil, largeFrom: 0)
        for packet in packets {
            try packet.withUnsafeBufferPointer { bytes throws(AudioError) in try writer.append(UnsafeRawBufferPointer(bytes), duration: 1024) }
        }
        try writer.finish(frames: Int64(Self.seconds * 22050))
        try file.close()
        let tree = try Mp4BoxTree(path: path)
        #expect(tree.boxes.map(\.type) == ["ftyp", "mdat", "moov"], "\(tree.boxes.map(\.type))")
        #expect(Array(tree.bytes[28..<32]) == [0, 0, 0, 1], "mdat's 64-bit header where free was")
        #expect(tree.box("moov/trak/mdia/minf/stbl/co64") != nil)
        #expect(tree.boxes("moov/trak/mdia/minf/stbl/stco").count == 1, "the chapter track's one chunk stays 32-bit")
        try await expectCleanDecode(path)
        let decoded = try await Probe.decoded(path)
        #expect(decoded.sampleRate == 22050 && decoded.channels == 1)
        #expect(abs(Int(decoded.frames ?? 0) - Int(Self.seconds * 22050)) <= 1024, "\(decoded.frames ?? 0) frames")
        try await expectChapters(path, Self.chapters, end: Self.seconds)
    }
}

/// The raw AAC packets of an ADTS file and the AudioSpecificConfig its
/// headers describe (after the ID3v2 tag AdtsMuxer writes first).
enum AdtsPackets {
    static func read(_ path: String) throws -> (config: [UInt8], packets: [[UInt8]]) {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var offset = 0
        if bytes.starts(with: Array("ID3".utf8)) {
            // A syncsafe size: seven bits a byte.
            offset = 10 + bytes[6..<10].reduce(0) { $0 << 7 | Int($1 & 0x7F) }
        }
        var packets: [[UInt8]] = []
        var config: [UInt8] = []
        while offset + 7 <= bytes.count, bytes[offset] == 0xFF, bytes[offset + 1] & 0xF0 == 0xF0 {
            let header = bytes[offset + 1] & 1 == 1 ? 7 : 9
            let length = Int(bytes[offset + 3] & 3) << 11 | Int(bytes[offset + 4]) << 3 | Int(bytes[offset + 5]) >> 5
            if config.isEmpty {
                let objectType = (bytes[offset + 2] >> 6) + 1
                let rateIndex = (bytes[offset + 2] >> 2) & 0xF
                let channels = (bytes[offset + 2] & 1) << 2 | bytes[offset + 3] >> 6
                config = [objectType << 3 | rateIndex >> 1, (rateIndex & 1) << 7 | channels << 3]
            }
            packets.append(Array(bytes[(offset + header)..<(offset + length)]))
            offset += length
        }
        return (config, packets)
    }
}
