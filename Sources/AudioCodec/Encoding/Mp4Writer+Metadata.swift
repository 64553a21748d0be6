/// `udta`: iTunes tags and the cover in `meta`/`ilst`, and the chapters
/// again as Nero's `chpl`, which players without QuickTime chapter tracks
/// (and FFmpeg, first) read.
extension Mp4Writer {
    /// Our tag names as iTunes item types ("©nam": 0xA9, Mac Roman's ©,
    /// then ASCII); `track` is `trkn`, numbers, not text.
    static let itunesItems: [(name: String, type: [UInt8])] = [
        ("title", copyright("nam")), ("artist", copyright("ART")), ("album", copyright("alb")), ("comment", copyright("cmt")),
    ]

    private static func copyright(_ rest: String) -> [UInt8] { [0xA9] + Array(rest.utf8) }

    func userData(_ moov: inout Mp4Boxes) {
        moov.box("udta") { udta in
            udta.fullBox("meta") { meta in
                meta.fullBox("hdlr") { hdlr in
                    hdlr.u32(0)
                    hdlr.code("mdir")
                    hdlr.code("appl")
                    hdlr.zeros(9)
                }
                meta.box("ilst") { ilst in itunesList(&ilst) }
            }
            if !chapters.isEmpty { neroChapters(&udta) }
        }
    }

    private func itunesList(_ ilst: inout Mp4Boxes) {
        for item in Self.itunesItems {
            if let value = tags[item.name] { Self.textItem(&ilst, item.type, value) }
        }
        Self.textItem(&ilst, Self.copyright("too"), "audiospool")
        if let coverArt {
            ilst.box("covr") { covr in
                covr.box("data") { data in
                    data.u32(coverArt.kind == .png ? 14 : 13)  // the well-known types PNG and JPEG
                    data.u32(0)
                    data.append(coverArt.bytes)
                }
            }
        }
        if let track = tags.track {
            // "3" or "3/12": number and total, as 16-bit integers.
            let parts = track.split(separator: "/", maxSplits: 1).map { part in UInt16(clamping: Int(part.filter { $0 != " " }) ?? 0) }
            ilst.box("trkn") { trkn in
                trkn.box("data") { data in
                    data.u32(0)
                    data.u32(0)
                    data.u16(0)
                    data.u16(parts.first ?? 0)
                    data.u16(parts.count > 1 ? parts[1] : 0)
                    data.u16(0)
                }
            }
        }
    }

    /// An item of UTF-8 text (well-known type 1).
    private static func textItem(_ ilst: inout Mp4Boxes, _ type: [UInt8], _ value: String) {
        ilst.box(bytes: type) { item in
            item.box("data") { data in
                data.u32(1)
                data.u32(0)
                data.append(value.utf8)
            }
        }
    }

    /// Nero's chapter list: each start in 100 ns units and a title of at
    /// most 255 bytes (cut at a character, not inside one).
    private func neroChapters(_ udta: inout Mp4Boxes) {
        udta.fullBox("chpl", version: 1) { chpl in
            chpl.u32(0)
            chpl.u8(UInt8(min(chapters.count, 255)))
            for chapter in chapters.prefix(255) {
                chpl.u64(UInt64(max(chapter.startMilliseconds, 0)) * 10_000)
                var title = Substring(chapter.title)
                while title.utf8.count > 255 { title.removeLast() }
                chpl.u8(UInt8(title.utf8.count))
                chpl.append(title.utf8)
            }
        }
    }
}
