/// A picture for an output's cover (MP4's `covr`, ID3v2's APIC, a
/// METADATA_BLOCK_PICTURE in Opus): JPEG or PNG, known by its first bytes,
/// and whole (CoverArt+Integrity).
public struct CoverArt: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case jpeg = "image/jpeg"
        case png = "image/png"
    }

    public let bytes: [UInt8]
    public let kind: Kind
    /// Pixels, from the image's header (MP4 muxing needs them).
    public let width: Int
    public let height: Int

    /// The most a cover may hold; it sits in the file's header, in memory.
    public static let maximumBytes = 16 << 20

    public init(bytes: [UInt8]) throws(AudioError) {
        guard bytes.count <= Self.maximumBytes else {
            throw AudioError(.unsupportedSettings, "a cover image is at most \(Self.maximumBytes >> 20) MiB, not \(bytes.count) bytes")
        }
        let size: (Int, Int)?
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            kind = .jpeg
            size = Self.jpegSize(bytes)
        } else if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            kind = .png
            size = bytes.count >= 24 && bytes[12..<16].elementsEqual("IHDR".utf8) ? (Self.bigEndian(bytes, 16, 4), Self.bigEndian(bytes, 20, 4)) : nil
        } else {
            throw AudioError(.unsupportedSettings, "a cover image must be JPEG or PNG; these bytes are neither")
        }
        guard let size, size.0 > 0, size.1 > 0 else {
            throw AudioError(.unsupportedSettings, "the cover \(kind == .png ? "PNG" : "JPEG") has no readable size; it may be damaged")
        }
        if let damage = Self.damage(in: bytes, kind: kind) { throw AudioError(.unsupportedSettings, damage) }
        self.bytes = bytes
        (width, height) = size
    }

    private static func bigEndian(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> Int {
        bytes[offset..<(offset + count)].reduce(0) { $0 << 8 | Int($1) }
    }

    /// The size in a JPEG's start-of-frame segment, found by walking the
    /// segments from the start.
    private static func jpegSize(_ bytes: [UInt8]) -> (Int, Int)? {
        var offset = 2
        while offset + 9 < bytes.count, bytes[offset] == 0xFF {
            let marker = bytes[offset + 1]
            let length = bigEndian(bytes, offset + 2, 2)
            // SOF0…SOF15, less DHT (C4), JPG (C8) and DAC (CC).
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                return (bigEndian(bytes, offset + 7, 2), bigEndian(bytes, offset + 5, 2))
            }
            guard length >= 2 else { return nil }
            offset += 2 + length
        }
        return nil
    }
}
