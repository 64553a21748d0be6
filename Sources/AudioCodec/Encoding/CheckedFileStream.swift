import Glibc

/// A file written through stdio with every failure checked: encoders that
/// produce bytes themselves (LAME) write through this, so a full disk is an
/// error, never a short file.
final class CheckedFileStream {
    let path: String
    private var stream: UnsafeMutablePointer<FILE>?

    init(path: String) throws(AudioError) {
        guard let stream = fopen(path, "w+b") else {
            throw AudioError(.writeFailed, "cannot create '\(path)': \(String(cString: strerror(errno)))")
        }
        self.path = path
        self.stream = stream
    }

    /// Writes to an open descriptor, which it owns once this returns (the
    /// caller still does if it throws): the file was created by whoever made
    /// the descriptor (an OutputTarget), so no name is looked up here.
    /// `name` is for messages.
    init(descriptor: Int32, name: String) throws(AudioError) {
        guard let stream = fdopen(descriptor, "w+b") else {
            let reason = String(cString: strerror(errno))
            throw AudioError(.writeFailed, "cannot write '\(name)': \(reason)")
        }
        self.path = name
        self.stream = stream
    }

    /// The descriptor's file, or the path's.
    static func open(path: String, descriptor: Int32?) throws(AudioError) -> CheckedFileStream {
        if let descriptor { return try CheckedFileStream(descriptor: descriptor, name: path) }
        return try CheckedFileStream(path: path)
    }

    deinit {
        if let stream { fclose(stream) }
    }

    func write(_ bytes: UnsafeBufferPointer<UInt8>) throws(AudioError) {
        guard !bytes.isEmpty else { return }
        if fwrite(bytes.baseAddress, 1, bytes.count, stream) != bytes.count {
            throw failure("write")
        }
    }

    func write(_ bytes: [UInt8]) throws(AudioError) {
        try bytes.withUnsafeBufferPointer { pointer throws(AudioError) in try write(pointer) }
    }

    /// Overwrites bytes at `offset` (the MP3 Xing/LAME tag frame, the size
    /// of an MP4's `mdat`), then returns to the end.
    func overwrite(_ bytes: [UInt8], at offset: Int) throws(AudioError) {
        guard fseek(stream, offset, SEEK_SET) == 0 else { throw failure("seek in") }
        try write(bytes)
        guard fseek(stream, 0, SEEK_END) == 0 else { throw failure("seek in") }
    }

    /// Moves the write position (libFLAC rewrites its header at the end).
    func seek(to offset: UInt64) -> Bool {
        fseeko(stream, off_t(offset), SEEK_SET) == 0
    }

    var position: UInt64? {
        let offset = ftello(stream)
        return offset < 0 ? nil : UInt64(offset)
    }

    /// Flushes and closes; only then is the file complete.
    func close() throws(AudioError) {
        guard let stream else { return }
        self.stream = nil
        let flushed = fflush(stream) == 0
        let error = errno
        if fclose(stream) != 0 || !flushed {
            throw AudioError(.writeFailed, "cannot finish '\(path)': \(String(cString: strerror(flushed ? errno : error)))")
        }
    }

    private func failure(_ what: String) -> AudioError {
        AudioError(.writeFailed, "cannot \(what) '\(path)': \(String(cString: strerror(errno)))")
    }
}
