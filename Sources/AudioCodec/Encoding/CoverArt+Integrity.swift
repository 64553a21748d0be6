extension CoverArt {
    /// What makes a picture's bytes no whole PNG or JPEG, nil when they are
    /// one. Players decode the cover, and a submitter chose its bytes: the
    /// structure is checked, not the pixels. A PNG is its chunks from IHDR
    /// to IEND, each within the file and matching its CRC, with image data
    /// between; a JPEG its segments from the start of image to a frame
    /// header and the scan, and ends with the end-of-image marker.
    static func damage(in bytes: [UInt8], kind: Kind) -> String? {
        switch kind {
        case .png: pngDamage(bytes)
        case .jpeg: jpegDamage(bytes)
        }
    }

    private static func pngDamage(_ bytes: [UInt8]) -> String? {
        var offset = 8
        var types: [String] = []
        while offset < bytes.count {
            guard offset + 12 <= bytes.count else { return "the PNG is cut short inside a chunk's header" }
            let length = bigEndian(bytes, offset, 4)
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            guard length <= bytes.count - offset - 12 else { return "the PNG is cut short: its \(type) chunk runs past the end of the file" }
            let stored = UInt32(bigEndian(bytes, offset + 8 + length, 4))
            guard crc32(bytes[(offset + 4)..<(offset + 8 + length)]) == stored else { return "the PNG is damaged: its \(type) chunk fails its CRC" }
            types.append(type)
            offset += 12 + length
            if type == "IEND" { break }
        }
        guard types.first == "IHDR" else { return "the PNG does not begin with its IHDR chunk" }
        guard types.contains("IDAT") else { return "the PNG holds no image data (IDAT)" }
        guard types.last == "IEND" else { return "the PNG is cut short: it has no IEND chunk" }
        return nil
    }

    private static func jpegDamage(_ bytes: [UInt8]) -> String? {
        var offset = 2
        var sawFrame = false
        while true {
            guard offset + 4 <= bytes.count else { return "the JPEG is cut short before its image data" }
            guard bytes[offset] == 0xFF else { return "the JPEG is damaged: no marker at byte \(offset)" }
            let marker = bytes[offset + 1]
            if marker == 0xFF {
                offset += 1  // fill bytes before a marker
                continue
            }
            let length = bigEndian(bytes, offset + 2, 2)
            guard length >= 2, offset + 2 + length <= bytes.count else { return "the JPEG is cut short inside a segment" }
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) { sawFrame = true }
            offset += 2 + length
            if marker == 0xDA { break }  // start of scan: the entropy-coded data follows
        }
        guard sawFrame else { return "the JPEG has no frame header before its scan" }
        // Some writers pad after the end-of-image marker.
        var end = bytes.count
        while end > offset, bytes[end - 1] == 0 { end -= 1 }
        guard end >= offset + 2, bytes[end - 2] == 0xFF, bytes[end - 1] == 0xD9 else { return "the JPEG is cut short: it does not end with its end-of-image marker" }
        return nil
    }

    private static func bigEndian(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> Int {
        bytes[offset..<(offset + count)].reduce(0) { $0 << 8 | Int($1) }
    }

    /// The CRC-32 PNG chunks carry (ISO 3309, reflected, as zlib's).
    private static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    private static let crcTable: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }
}
