/// An MP4 of one AAC track (.m4b, .m4a) written as the packets come, in
/// memory that does not grow with the audio. libavformat's MP4 muxer keeps
/// a 64-byte entry per packet until it writes `moov` at the end (10 MB an
/// hour at 44.1 kHz), and no option of it changes that for a normal,
/// non-fragmented file; so this writes the file itself:
///
///     ftyp  free  mdat [chapter titles][AAC packets…]  moov
///
/// `mdat` is streamed and its size patched at the end (turning `free` into
/// a 64-bit header past 4 GiB, as FFmpeg does); the packets' sizes go to a
/// SampleSizeSpill and are copied from it into `stsz` and `stco`/`co64`
/// when `moov` is written. What FFmpeg's `ipod` muxer wrote before is kept
/// box for box: the "M4A " brand, the encoder delay in an edit list, the
/// `roll` sample group, iTunes tags and `covr`, and chapters both as a
/// QuickTime chapter text track (`tref`/`chap`, what Apple players read)
/// and as Nero `chpl` (what others read).
final class Mp4Writer {
    /// What the AAC encoder made the track of.
    struct AudioTrack {
        var sampleRate: Int
        var channels: Int
        /// The AudioSpecificConfig (libavcodec's extradata).
        var decoderConfig: [UInt8]
        /// The encoder's delay in samples, cut by the edit list (1024).
        var priming: Int
        /// The bit rate asked for, bit/s: `esds`'s maximum.
        var bitRate: Int
    }

    let file: CheckedFileStream
    let audio: AudioTrack
    let tags: AudioTags
    let chapters: [ChapterMark]
    let coverArt: CoverArt?
    let spill: SampleSizeSpill
    /// The packets' durations as `stts` runs: (count, duration). AAC's are
    /// all 1024 but the last, so this stays a run or two long.
    private(set) var durationRuns: [(count: UInt32, duration: UInt32)] = []
    /// The media's length in samples, the encoder's delay included.
    private(set) var mediaDuration: UInt64 = 0
    /// Where the chapter titles, then the packets, start in the file.
    let chapterSamplesOffset: UInt64
    let chapterSampleSizes: [UInt32]
    let audioOffset: UInt64

    static let freeOffset: UInt64 = 28
    static let mdatOffset: UInt64 = 36
    /// Packets in each `stco` chunk: under FFmpeg's 1 MB a chunk up to 320 kbit/s.
    static let samplesPerChunk = 1024

    /// Past this, chunk offsets are 64-bit (`co64`) and so is `mdat`'s
    /// size (4 GiB; tests lower it to check the 64-bit layout).
    let largeFrom: UInt64

    init(
        file: CheckedFileStream, audio: AudioTrack, tags: AudioTags, chapters: [ChapterMark], coverArt: CoverArt?,
        largeFrom: UInt64 = UInt64(UInt32.max)
    ) throws(AudioError) {
        self.file = file
        self.largeFrom = largeFrom
        self.audio = audio
        self.tags = tags
        self.chapters = chapters
        self.coverArt = coverArt
        spill = try SampleSizeSpill()
        var head = Mp4Boxes()
        head.box("ftyp") { ftyp in
            // What FFmpeg's ipod muxer writes for .m4a and .m4b alike.
            ftyp.code("M4A ")
            ftyp.u32(0x200)
            ftyp.code("M4A ")
            ftyp.code("isom")
            ftyp.code("iso2")
        }
        // Room for a 64-bit `mdat` header, should the audio pass 4 GiB.
        head.box("free") { _ in }
        head.u32(0)
        head.code("mdat")
        precondition(UInt64(head.count) == Self.mdatOffset + 8)
        chapterSamplesOffset = UInt64(head.count)
        // The chapter track's samples lead `mdat`: a title does not depend
        // on when its chapter ends, which is known only at the end.
        var sizes: [UInt32] = []
        for chapter in chapters {
            let start = head.count
            Self.appendChapterSample(chapter.title, to: &head)
            sizes.append(UInt32(head.count - start))
        }
        chapterSampleSizes = sizes
        audioOffset = UInt64(head.count)
        try file.write(head.bytes)
    }

    /// A QuickTime text sample: the title's length and UTF-8, and an `encd`
    /// box saying it is UTF-8 (0x0100), as FFmpeg writes chapter titles.
    static func appendChapterSample(_ title: String, to boxes: inout Mp4Boxes) {
        let utf8 = Array(title.utf8.prefix(Int(UInt16.max)))
        boxes.u16(UInt16(utf8.count))
        boxes.append(utf8)
        boxes.box("encd") { $0.u32(0x0000_0100) }
    }

    /// One AAC packet and its duration in samples.
    func append(_ packet: UnsafeRawBufferPointer, duration: Int) throws(AudioError) {
        guard let base = packet.baseAddress, packet.count > 0 else { return }
        try file.write(UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: packet.count))
        try spill.append(UInt32(packet.count))
        let duration = UInt32(clamping: max(duration, 0))
        if let last = durationRuns.last, last.duration == duration {
            durationRuns[durationRuns.count - 1].count += 1
        } else {
            durationRuns.append((1, duration))
        }
        mediaDuration += UInt64(duration)
    }

    /// Writes `moov` after the packets, then the size of `mdat` before
    /// them. `frames` is the audio's length in samples, without the delay.
    func finish(frames: Int64) throws(AudioError) {
        let mdatEnd = audioOffset + spill.totalBytes
        let movie = movieBox(frames: UInt64(max(frames, 0)), largeOffsets: mdatEnd > largeFrom)
        var written = 0
        for stretch in movie.streamed {
            try writeBytes(movie.bytes, from: written, to: stretch.offset)
            written = stretch.offset
            try writeTable(stretch.table)
        }
        try writeBytes(movie.bytes, from: written, to: movie.bytes.count)
        let mdatSize = mdatEnd - Self.mdatOffset
        var header = Mp4Boxes()
        if mdatSize > largeFrom {
            header.u32(1)
            header.code("mdat")
            header.u64(mdatEnd - Self.freeOffset)
            try file.overwrite(header.bytes, at: Int(Self.freeOffset))
        } else {
            header.u32(UInt32(mdatSize))
            try file.overwrite(header.bytes, at: Int(Self.mdatOffset))
        }
    }

    private func writeBytes(_ bytes: [UInt8], from start: Int, to end: Int) throws(AudioError) {
        guard start < end else { return }
        try bytes.withUnsafeBufferPointer { all throws(AudioError) in try file.write(UnsafeBufferPointer(rebasing: all[start..<end])) }
    }

    /// The tables Mp4Boxes leaves out of `moov`, as `streamed(_:table:)` names them.
    enum Table: Int {
        case sampleSizes, chunkOffsets, largeChunkOffsets
    }

    private func writeTable(_ table: Int) throws(AudioError) {
        switch Table(rawValue: table)! {
        case .sampleSizes:
            try spill.forEachBlock { bytes throws(AudioError) in try file.write(bytes.assumingMemoryBound(to: UInt8.self)) }
        case .chunkOffsets, .largeChunkOffsets:
            // Each chunk starts where the packets before it end.
            let large = table == Table.largeChunkOffsets.rawValue
            var block = Mp4Boxes()
            var offset = audioOffset
            var index = 0
            try spill.forEachSize { size throws(AudioError) in
                if index % Self.samplesPerChunk == 0 {
                    if large { block.u64(offset) } else { block.u32(UInt32(offset)) }
                    if block.bytes.count >= 1 << 16 {
                        try file.write(block.bytes)
                        block = Mp4Boxes()
                    }
                }
                offset += UInt64(size)
                index += 1
            }
            try file.write(block.bytes)
        }
    }

    var chunkCount: Int { (spill.count + Self.samplesPerChunk - 1) / Self.samplesPerChunk }
}
