/// The bytes of MP4 boxes, built in memory with their sizes filled in, and
/// with "streamed" stretches of a known length left out: the sample table's
/// per-sample sizes and chunk offsets, which Mp4Writer copies from its
/// spill file as it writes the `moov`, so that they are never all in memory.
/// Every number is big-endian, as ISO/IEC 14496-12 has it.
struct Mp4Boxes {
    /// What is built, less the streamed stretches.
    private(set) var bytes: [UInt8] = []
    /// Each streamed stretch: where in `bytes` it goes, how long it is, and
    /// which table it holds (the writer's tag for it).
    private(set) var streamed: [(offset: Int, count: Int, table: Int)] = []
    private var streamedCount = 0

    /// The length the output will have, streamed stretches included.
    var count: Int { bytes.count + streamedCount }

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u16(_ value: UInt16) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(value & 0xFF))
    }

    mutating func u32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func u64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func append(_ other: some Sequence<UInt8>) { bytes.append(contentsOf: other) }

    /// A four-character code such as "moov".
    mutating func code(_ text: StaticString) {
        precondition(text.utf8CodeUnitCount == 4, "a box type is four bytes")
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: 4))
    }

    mutating func zeros(_ count: Int) { bytes.append(contentsOf: repeatElement(0, count: count)) }

    /// A stretch of `count` bytes that the writer streams in later; `table` says which.
    mutating func streamed(_ count: Int, table: Int) {
        streamed.append((bytes.count, count, table))
        streamedCount += count
    }

    /// A box: its size (32 bits; no box in a `moov` reaches 4 GiB), type and body.
    mutating func box(_ type: StaticString, _ body: (inout Mp4Boxes) -> Void) {
        precondition(type.utf8CodeUnitCount == 4, "a box type is four bytes")
        box(bytes: Array(UnsafeBufferPointer(start: type.utf8Start, count: 4)), body)
    }

    /// A box whose type is not ASCII (iTunes' "©nam" starts with 0xA9).
    mutating func box(bytes type: [UInt8], _ body: (inout Mp4Boxes) -> Void) {
        let start = count
        let sizeAt = bytes.count
        u32(0)
        append(type)
        body(&self)
        let size = UInt32(count - start)
        for index in 0..<4 { bytes[sizeAt + index] = UInt8(truncatingIfNeeded: size >> UInt32(24 - 8 * index)) }
    }

    /// A full box: a box whose body starts with a version and 24 bits of flags.
    mutating func fullBox(_ type: StaticString, version: UInt8 = 0, flags: UInt32 = 0, _ body: (inout Mp4Boxes) -> Void) {
        box(type) { boxes in
            boxes.u32(UInt32(version) << 24 | flags & 0xFF_FFFF)
            body(&boxes)
        }
    }

    /// The unity matrix of `mvhd` and `tkhd`: no rotation, no scaling.
    mutating func unityMatrix() {
        for value: UInt32 in [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000] { u32(value) }
    }

    /// An MPEG-4 descriptor (the `esds` box's): tag, length, body. The
    /// length in four bytes of seven bits each, as FFmpeg and Apple write it.
    mutating func descriptor(_ tag: UInt8, _ body: (inout Mp4Boxes) -> Void) {
        var inner = Mp4Boxes()
        body(&inner)
        u8(tag)
        let length = inner.bytes.count
        for shift in [21, 14, 7] { u8(UInt8(0x80 | (length >> shift) & 0x7F)) }
        u8(UInt8(length & 0x7F))
        append(inner.bytes)
    }
}
