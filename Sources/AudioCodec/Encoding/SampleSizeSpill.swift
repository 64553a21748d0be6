import Glibc

/// The size of every AAC packet written so far, kept in an unlinked
/// temporary file (4 bytes each, big-endian, as `stsz` has them) instead of
/// memory, so that a 30-hour book costs what a 10-minute one does: an MP4
/// with one `moov` at the end can only write its sample table once every
/// packet is known. 43 packets a second at 44.1 kHz: 0.6 MB an hour, on
/// disk (or in tmpfs, if that is where TMPDIR points).
///
/// Sizes are written and read back in blocks of `blockCount`, so the
/// memory this holds is one block, whatever the length.
final class SampleSizeSpill {
    private var descriptor: Int32
    private var block: [UInt8] = []
    private(set) var count = 0
    /// The sum of all sizes: the audio's bytes in `mdat`.
    private(set) var totalBytes: UInt64 = 0
    static let blockCount = 16384

    /// A new unnamed file in TMPDIR (else /tmp): created under a random
    /// name and unlinked at once, so nothing is left behind on a crash.
    init() throws(AudioError) {
        let folder = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((folder + "/audiospool-mp4-sizes-XXXXXX").utf8CString)
        descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw AudioError(.writeFailed, "cannot create a temporary file in '\(folder)' for the MP4 sample table: \(String(cString: strerror(errno)))")
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        // Not inherited by the engines and tools this process starts.
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        block.reserveCapacity(Self.blockCount * 4)
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    func append(_ size: UInt32) throws(AudioError) {
        for shift in [24, 16, 8, 0] as [UInt32] { block.append(UInt8(truncatingIfNeeded: size >> shift)) }
        count += 1
        totalBytes += UInt64(size)
        if block.count == Self.blockCount * 4 { try flush() }
    }

    private func flush() throws(AudioError) {
        var written = 0
        while written < block.count {
            let result = block.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, $0.count - written) }
            guard result > 0 else {
                if result < 0 && errno == EINTR { continue }
                throw AudioError(.writeFailed, "cannot keep the MP4 sample table in a temporary file: \(String(cString: strerror(errno)))")
            }
            written += result
        }
        block.removeAll(keepingCapacity: true)
    }

    /// Every size in order, one block at a time, as the big-endian bytes
    /// `stsz` holds; `body` sees each block once. May be called more than once.
    func forEachBlock(_ body: (UnsafeRawBufferPointer) throws(AudioError) -> Void) throws(AudioError) {
        try flush()
        var buffer = [UInt8](repeating: 0, count: Self.blockCount * 4)
        var offset = 0
        let total = count * 4
        while offset < total {
            // A whole block each time (pread may return less), so no size is split.
            let wanted = min(buffer.count, total - offset)
            var filled = 0
            while filled < wanted {
                let result = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + filled, wanted - filled, off_t(offset + filled)) }
                guard result > 0 else {
                    if result < 0 && errno == EINTR { continue }
                    let reason = result < 0 ? String(cString: strerror(errno)) : "the file is short"
                    throw AudioError(.writeFailed, "cannot read back the MP4 sample table: \(reason)")
                }
                filled += result
            }
            try buffer.withUnsafeBufferPointer { all throws(AudioError) in
                try body(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: all[0..<wanted])))
            }
            offset += wanted
        }
    }

    /// Every size in order, as numbers.
    func forEachSize(_ body: (UInt32) throws(AudioError) -> Void) throws(AudioError) {
        try forEachBlock { bytes throws(AudioError) in
            var index = 0
            while index + 4 <= bytes.count {
                try body(UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16 | UInt32(bytes[index + 2]) << 8 | UInt32(bytes[index + 3]))
                index += 4
            }
        }
    }
}
