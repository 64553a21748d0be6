/// The two `trak` boxes: the AAC audio, whose sample table is streamed
/// from the spill file, and the chapter titles as a QuickTime text track.
extension Mp4Writer {
    func audioTrack(_ moov: inout Mp4Boxes, milliseconds: UInt64, largeOffsets: Bool) {
        moov.box("trak") { trak in
            Self.trackHeader(&trak, id: Self.audioTrackID, enabled: true, milliseconds: milliseconds, isAudio: true)
            // The encoder's delay is media before the first edit: players skip it.
            Self.editList(&trak, [(milliseconds, Int64(audio.priming))])
            if !chapters.isEmpty {
                trak.box("tref") { tref in
                    tref.box("chap") { $0.u32(Self.chapterTrackID) }
                }
            }
            trak.box("mdia") { mdia in
                // "und", packed ISO 639-2 as FFmpeg writes it.
                Self.mediaHeader(&mdia, timescale: UInt32(audio.sampleRate), duration: mediaDuration, language: 0x55C4)
                Self.handler(&mdia, "soun", name: "SoundHandler")
                mdia.box("minf") { minf in
                    minf.fullBox("smhd") { $0.u32(0) }  // balance, reserved
                    Self.dataInformation(&minf)
                    minf.box("stbl") { stbl in audioSampleTable(&stbl, largeOffsets: largeOffsets) }
                }
            }
        }
    }

    private func audioSampleTable(_ stbl: inout Mp4Boxes, largeOffsets: Bool) {
        stbl.fullBox("stsd") { stsd in
            stsd.u32(1)
            stsd.box("mp4a") { mp4a in
                mp4a.zeros(6)
                mp4a.u16(1)  // data reference index
                mp4a.zeros(8)  // version, revision, vendor
                mp4a.u16(UInt16(audio.channels))
                mp4a.u16(16)  // sample size
                mp4a.u32(0)  // compression ID, packet size
                mp4a.u32(audio.sampleRate > Int(UInt16.max) ? 0 : UInt32(audio.sampleRate) << 16)
                elementaryStreamDescriptor(&mp4a)
            }
        }
        Self.timeToSample(&stbl, durationRuns)
        let samples = spill.count
        let chunks = chunkCount
        stbl.fullBox("stsc") { stsc in
            // Full chunks of samplesPerChunk, the last holding the rest.
            let rest = samples % Self.samplesPerChunk
            let runs: [(first: Int, count: Int)] =
                rest == 0 || chunks == 1 ? [(1, chunks == 1 ? samples : Self.samplesPerChunk)] : [(1, Self.samplesPerChunk), (chunks, rest)]
            stsc.u32(samples == 0 ? 0 : UInt32(runs.count))
            for run in runs where samples > 0 {
                stsc.u32(UInt32(run.first))
                stsc.u32(UInt32(run.count))
                stsc.u32(1)
            }
        }
        stbl.fullBox("stsz") { stsz in
            stsz.u32(0)  // no common size
            stsz.u32(UInt32(samples))
            stsz.streamed(samples * 4, table: Table.sampleSizes.rawValue)
        }
        if largeOffsets {
            stbl.fullBox("co64") { co64 in
                co64.u32(UInt32(chunks))
                co64.streamed(chunks * 8, table: Table.largeChunkOffsets.rawValue)
            }
        } else {
            stbl.fullBox("stco") { stco in
                stco.u32(UInt32(chunks))
                stco.streamed(chunks * 4, table: Table.chunkOffsets.rawValue)
            }
        }
        // AAC's pre-roll: a decoder that starts at any packet needs the one
        // before (a `roll` group of distance -1 over every sample).
        stbl.fullBox("sgpd", version: 1) { sgpd in
            sgpd.code("roll")
            sgpd.u32(2)  // default description length
            sgpd.u32(1)
            sgpd.u16(UInt16(bitPattern: -1))
        }
        stbl.fullBox("sbgp") { sbgp in
            sbgp.code("roll")
            sbgp.u32(1)
            sbgp.u32(UInt32(samples))
            sbgp.u32(1)
        }
    }

    /// `esds`: MPEG-4 audio (0x40) in an audio stream (0x15), the bit
    /// rates, and the decoder's AudioSpecificConfig.
    private func elementaryStreamDescriptor(_ mp4a: inout Mp4Boxes) {
        let audioBytes = spill.totalBytes
        let averageBitRate = mediaDuration == 0 ? 0 : audioBytes * 8 * UInt64(audio.sampleRate) / mediaDuration
        let maximumBitRate = max(UInt64(audio.bitRate), averageBitRate)
        mp4a.fullBox("esds") { esds in
            esds.descriptor(0x03) { es in
                es.u16(UInt16(Self.audioTrackID))
                es.u8(0)
                es.descriptor(0x04) { config in
                    config.u8(0x40)
                    config.u8(0x15)
                    config.append([0, 0, 0])  // buffer size
                    config.u32(UInt32(clamping: maximumBitRate))
                    config.u32(UInt32(clamping: averageBitRate))
                    config.descriptor(0x05) { $0.append(audio.decoderConfig) }
                }
                es.descriptor(0x06) { $0.u8(0x02) }
            }
        }
    }

    /// A QuickTime text track of the chapter titles, each a sample lasting
    /// its chapter: what Apple's players read as chapters (through `tref`).
    func chapterTrack(_ moov: inout Mp4Boxes, spans: [(start: Int64, end: Int64)]) {
        let first = UInt64(spans.first?.start ?? 0)
        let total = UInt64(spans.last?.end ?? 0)
        moov.box("trak") { trak in
            Self.trackHeader(&trak, id: Self.chapterTrackID, enabled: false, milliseconds: total, isAudio: false)
            // A first chapter after 0 starts after an empty edit.
            let edits: [(duration: UInt64, mediaTime: Int64)] =
                first > 0 ? [(duration: first, mediaTime: Int64(-1)), (duration: total - first, mediaTime: Int64(0))] : [(duration: total, mediaTime: Int64(0))]
            Self.editList(&trak, edits)
            trak.box("mdia") { mdia in
                Self.mediaHeader(&mdia, timescale: UInt32(Self.movieTimescale), duration: total - first, language: 0)
                Self.handler(&mdia, "text", name: "SubtitleHandler")
                mdia.box("minf") { minf in
                    minf.append(Self.textMediaHeader)
                    Self.dataInformation(&minf)
                    minf.box("stbl") { stbl in
                        stbl.fullBox("stsd") { stsd in
                            stsd.u32(1)
                            stsd.box("text") { text in
                                text.zeros(6)
                                text.u16(1)
                                text.append(Self.textSampleProperties)
                            }
                        }
                        Self.timeToSample(&stbl, Self.runs(of: spans.map { UInt32(clamping: $0.end - $0.start) }))
                        stbl.fullBox("stsc") { stsc in
                            stsc.u32(1)
                            stsc.u32(1)
                            stsc.u32(UInt32(chapters.count))
                            stsc.u32(1)
                        }
                        stbl.fullBox("stsz") { stsz in
                            stsz.u32(0)
                            stsz.u32(UInt32(chapters.count))
                            for size in chapterSampleSizes { stsz.u32(size) }
                        }
                        stbl.fullBox("stco") { stco in
                            stco.u32(1)
                            stco.u32(UInt32(chapterSamplesOffset))
                        }
                    }
                }
            }
        }
    }

    /// Equal neighbours as one (count, duration) run, as `stts` keeps them.
    static func runs(of durations: [UInt32]) -> [(count: UInt32, duration: UInt32)] {
        var runs: [(count: UInt32, duration: UInt32)] = []
        for duration in durations {
            if let last = runs.last, last.duration == duration { runs[runs.count - 1].count += 1 } else { runs.append((1, duration)) }
        }
        return runs
    }

    /// The `gmhd` of a QuickTime text track (`gmin` and `text`), and the
    /// text sample entry's display properties: FFmpeg's bytes.
    static let textMediaHeader: [UInt8] = hexBytes(
        "0000004c676d686400000018676d696e000000000040800080008000000000000000002c7465787400010000000000000000000000000000"
            + "0001000000000000000000000000000040000000")
    static let textSampleProperties: [UInt8] = hexBytes(
        "0000000100000000000000000000000000000000000000010000000000000000000d667461620001000100")

    static func hexBytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }
}
