import Foundation

/// The boxes of an MP4 file, read independently of the writer: each box's
/// type, offset and size, and the children of the container boxes, so a
/// test can say what the file is made of (one `moov` after `mdat`, no
/// fragments, a chapter track and `chpl`).
struct Mp4BoxTree {
    struct Box {
        var type: String
        var offset: Int
        var size: Int
        /// Where the body starts (after a 32- or 64-bit header).
        var bodyOffset: Int
        var children: [Box]
    }

    let bytes: [UInt8]
    let boxes: [Box]

    static let containers: Set<String> = ["moov", "trak", "mdia", "minf", "stbl", "udta", "edts", "tref", "dinf", "ilst", "meta", "covr"]

    init(path: String) throws {
        bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        boxes = Self.read(bytes, from: 0, to: bytes.count)
    }

    private static func read(_ bytes: [UInt8], from start: Int, to end: Int) -> [Box] {
        var found: [Box] = []
        var offset = start
        while offset + 8 <= end {
            var size = Int(number(bytes, offset, 4))
            var header = 8
            if size == 1 {
                size = Int(number(bytes, offset + 8, 8))
                header = 16
            }
            guard size >= header, offset + size <= end else { break }
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)].map { $0 == 0xA9 ? UInt8(ascii: "@") : $0 }, as: UTF8.self)
            // `meta` is a full box: four bytes of version and flags first.
            let bodyOffset = offset + header + (type == "meta" ? 4 : 0)
            let children = containers.contains(type) ? read(bytes, from: bodyOffset, to: offset + size) : []
            found.append(Box(type: type, offset: offset, size: size, bodyOffset: bodyOffset, children: children))
            offset += size
        }
        return found
    }

    static func number(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> UInt64 {
        bytes[offset..<(offset + count)].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The first box at a path of types such as "moov/trak/tref/chap".
    func box(_ path: String) -> Box? {
        boxes(path).first
    }

    /// Every box at a path of types.
    func boxes(_ path: String) -> [Box] {
        var level = boxes
        var matches: [Box] = []
        for (depth, type) in path.split(separator: "/").enumerated() {
            matches = level.filter { $0.type == type }
            if depth < path.split(separator: "/").count - 1 { level = matches.flatMap(\.children) }
        }
        return matches
    }

    /// A big-endian number in a box's body.
    func number(in box: Box, at offset: Int, _ count: Int) -> UInt64 {
        Self.number(bytes, box.bodyOffset + offset, count)
    }
}
