/// The `moov` box: the movie header, the AAC track, the chapter text track
/// and the tags, laid out as FFmpeg's ipod muxer lays them out.
extension Mp4Writer {
    /// The movie's time scale: milliseconds, as FFmpeg's (and chapters') unit.
    static let movieTimescale: UInt64 = 1000
    static let audioTrackID: UInt32 = 1
    static let chapterTrackID: UInt32 = 2

    func movieBox(frames: UInt64, largeOffsets: Bool) -> Mp4Boxes {
        let rate = UInt64(audio.sampleRate)
        // The audio's length without the encoder's delay, rounded up to a
        // millisecond so that the edit list never cuts a sample off.
        let audioMilliseconds = (frames * Self.movieTimescale + rate - 1) / rate
        let spans = ChapterMark.spans(chapters, endMilliseconds: Int64(audioMilliseconds))
        let chapterEnd = UInt64(spans.last?.end ?? 0)
        var boxes = Mp4Boxes()
        boxes.box("moov") { moov in
            let duration = max(audioMilliseconds, chapterEnd)
            let version: UInt8 = duration > UInt64(UInt32.max) ? 1 : 0
            moov.fullBox("mvhd", version: version) { mvhd in
                Self.times(&mvhd, version: version, timescale: UInt32(Self.movieTimescale), duration: duration)
                mvhd.u32(0x0001_0000)  // rate 1.0
                mvhd.u16(0x0100)  // volume 1.0
                mvhd.zeros(10)
                mvhd.unityMatrix()
                mvhd.zeros(24)
                mvhd.u32((chapters.isEmpty ? Self.audioTrackID : Self.chapterTrackID) + 1)  // the next track's ID
            }
            audioTrack(&moov, milliseconds: audioMilliseconds, largeOffsets: largeOffsets)
            if !chapters.isEmpty { chapterTrack(&moov, spans: spans) }
            userData(&moov)
        }
        return boxes
    }

    /// Creation and modification times (0, as FFmpeg writes without a
    /// creation_time), a time scale and a duration, in 32 or 64 bits.
    static func times(_ boxes: inout Mp4Boxes, version: UInt8, timescale: UInt32, duration: UInt64) {
        if version == 1 {
            boxes.u64(0)
            boxes.u64(0)
            boxes.u32(timescale)
            boxes.u64(duration)
        } else {
            boxes.u32(0)
            boxes.u32(0)
            boxes.u32(timescale)
            boxes.u32(UInt32(duration))
        }
    }

    /// `tkhd`: enabled tracks play; the chapter track is in the movie but
    /// not enabled, so no player shows it as subtitles.
    static func trackHeader(_ trak: inout Mp4Boxes, id: UInt32, enabled: Bool, milliseconds: UInt64, isAudio: Bool) {
        let version: UInt8 = milliseconds > UInt64(UInt32.max) ? 1 : 0
        trak.fullBox("tkhd", version: version, flags: enabled ? 3 : 2) { tkhd in
            if version == 1 {
                tkhd.zeros(16)
                tkhd.u32(id)
                tkhd.u32(0)
                tkhd.u64(milliseconds)
            } else {
                tkhd.zeros(8)
                tkhd.u32(id)
                tkhd.u32(0)
                tkhd.u32(UInt32(milliseconds))
            }
            tkhd.zeros(8)
            tkhd.u16(0)  // layer
            tkhd.u16(isAudio ? 1 : 0)  // alternate group
            tkhd.u16(isAudio ? 0x0100 : 0)  // volume
            tkhd.u16(0)
            tkhd.unityMatrix()
            tkhd.u32(0)  // width
            tkhd.u32(0)  // height
        }
    }

    /// An edit list: `edits` of (duration in the movie's scale, media time
    /// or -1 for an empty edit), each at rate 1.0.
    static func editList(_ trak: inout Mp4Boxes, _ edits: [(duration: UInt64, mediaTime: Int64)]) {
        let version: UInt8 = edits.contains { $0.duration > UInt64(UInt32.max) || $0.mediaTime > Int64(Int32.max) } ? 1 : 0
        trak.box("edts") { edts in
            edts.fullBox("elst", version: version) { elst in
                elst.u32(UInt32(edits.count))
                for edit in edits {
                    if version == 1 {
                        elst.u64(edit.duration)
                        elst.u64(UInt64(bitPattern: edit.mediaTime))
                    } else {
                        elst.u32(UInt32(edit.duration))
                        elst.u32(UInt32(bitPattern: Int32(edit.mediaTime)))
                    }
                    elst.u32(0x0001_0000)
                }
            }
        }
    }

    static func mediaHeader(_ mdia: inout Mp4Boxes, timescale: UInt32, duration: UInt64, language: UInt16) {
        let version: UInt8 = duration > UInt64(UInt32.max) ? 1 : 0
        mdia.fullBox("mdhd", version: version) { mdhd in
            times(&mdhd, version: version, timescale: timescale, duration: duration)
            mdhd.u16(language)
            mdhd.u16(0)
        }
    }

    static func handler(_ mdia: inout Mp4Boxes, _ type: StaticString, name: String) {
        mdia.fullBox("hdlr") { hdlr in
            hdlr.u32(0)
            hdlr.code(type)
            hdlr.zeros(12)
            hdlr.append(name.utf8)
            hdlr.u8(0)
        }
    }

    /// The samples are in this file (`url ` with the self-contained flag).
    static func dataInformation(_ minf: inout Mp4Boxes) {
        minf.box("dinf") { dinf in
            dinf.fullBox("dref") { dref in
                dref.u32(1)
                dref.fullBox("url ", flags: 1) { _ in }
            }
        }
    }

    /// `stts` of runs of (count, duration).
    static func timeToSample(_ stbl: inout Mp4Boxes, _ runs: [(count: UInt32, duration: UInt32)]) {
        stbl.fullBox("stts") { stts in
            stts.u32(UInt32(runs.count))
            for run in runs {
                stts.u32(run.count)
                stts.u32(run.duration)
            }
        }
    }
}
