/// An ID3v2.3 tag for MP3, written by us rather than LAME so it can hold
/// chapters: text frames in UTF-16 (LAME's plain setters would mark text
/// Latin-1), a comment, a cover (APIC), and the chapters as the ID3v2
/// Chapter Frame Addendum has them: one top-level, ordered CTOC listing a
/// CHAP per chapter, each with its title in a TIT2 subframe.
///
/// A chapter's end is known only once the audio is: the tag is written
/// first with the ends it has, then again over itself at the same size.
struct ID3v2Tag {
    var tags: AudioTags
    var chapters: [ChapterMark]
    var coverArt: CoverArt?

    var isEmpty: Bool { tags.isEmpty && chapters.isEmpty && coverArt == nil }

    /// The whole tag, with the last chapter ending at `endMilliseconds`.
    func bytes(endMilliseconds: Int64) -> [UInt8] {
        var frames: [UInt8] = []
        for (id, text) in [("TIT2", tags.title), ("TPE1", tags.artist), ("TALB", tags.album), ("TRCK", tags.track)] {
            guard let text else { continue }
            frames += Self.frame(id, Self.text(text))
        }
        if let comment = tags.comment {
            // Encoding, language, an empty description, the text.
            frames += Self.frame("COMM", [1] + Array("eng".utf8) + Self.utf16("") + Self.utf16(comment))
        }
        if let coverArt {
            // Latin-1 MIME type, picture type 3 (front cover), empty description.
            frames += Self.frame("APIC", [0] + Array(coverArt.kind.rawValue.utf8) + [0, 3, 0] + coverArt.bytes)
        }
        if !chapters.isEmpty {
            let ids = chapters.indices.map { Array("chp\($0)".utf8) + [0] }
            // Flags: top-level (2) and ordered (1); the entry count; the children.
            frames += Self.frame("CTOC", Array("toc".utf8) + [0, 3, UInt8(clamping: chapters.count)] + ids.flatMap { $0 })
            for (index, span) in ChapterMark.spans(chapters, endMilliseconds: endMilliseconds).enumerated() {
                // Start and end times, then "no byte offsets", then the title.
                var body = ids[index] + Self.bigEndian(UInt32(clamping: span.start)) + Self.bigEndian(UInt32(clamping: span.end))
                body += [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
                body += Self.frame("TIT2", Self.text(chapters[index].title))
                frames += Self.frame("CHAP", body)
            }
        }
        let size = UInt32(frames.count)
        // The size is synchsafe: seven bits a byte.
        let synchsafe: [UInt8] = [UInt8(size >> 21 & 0x7F), UInt8(size >> 14 & 0x7F), UInt8(size >> 7 & 0x7F), UInt8(size & 0x7F)]
        return Array("ID3".utf8) + [3, 0, 0] + synchsafe + frames
    }

    /// A text frame's body: UTF-16 with a byte-order mark.
    private static func text(_ text: String) -> [UInt8] {
        [1] + utf16(text)
    }

    /// Little-endian UTF-16 after a byte-order mark, with a terminating 0.
    private static func utf16(_ text: String) -> [UInt8] {
        ([0xFEFF] + Array(text.utf16) + [0]).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    }

    private static func frame(_ id: String, _ body: [UInt8]) -> [UInt8] {
        Array(id.utf8) + bigEndian(UInt32(body.count)) + [0, 0] + body
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}
