import Glibc

/// Where an encoded output goes. The encoder writes to a new temporary file
/// the target creates (so it never opens a name someone else chose), and
/// the target moves it into place once every output is complete.
public protocol OutputTarget: Sendable {
    /// The final name, for messages and results.
    var path: String { get }
    /// A new, empty file under a name no one can predict: its descriptor
    /// (read-write, the caller's) and that name.
    func createTemporary() throws(AudioError) -> (descriptor: Int32, temporary: String)
    /// Moves the finished temporary to `path`.
    func publish(_ temporary: String) throws(AudioError)
    /// Removes an unfinished temporary.
    func discard(_ temporary: String)
}

/// An output at a path the user named (`audiospool encode`, tests): written
/// beside it under a hidden temporary name, and renamed over it only if
/// what is there is a regular file or nothing, so a device node, a FIFO or
/// a folder is never replaced.
public struct PathOutputTarget: OutputTarget {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    private var folder: String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private var name: String {
        path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
    }

    private func temporaryPath(_ temporary: String) -> String {
        folder == "." && !path.hasPrefix("./") ? temporary : folder + "/" + temporary
    }

    public func createTemporary() throws(AudioError) -> (descriptor: Int32, temporary: String) {
        try checkReplaceable()
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<16 {
            let temporary = ".\(name).tmp-\(String(generator.next(), radix: 36))"
            let fd = open(temporaryPath(temporary), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
            if fd >= 0 { return (fd, temporary) }
            if errno != EEXIST { throw failure("create a temporary beside") }
        }
        throw AudioError(.writeFailed, "cannot create a temporary beside '\(path)'")
    }

    public func publish(_ temporary: String) throws(AudioError) {
        try checkReplaceable()
        guard rename(temporaryPath(temporary), path) == 0 else { throw failure("move the output to") }
    }

    public func discard(_ temporary: String) {
        unlink(temporaryPath(temporary))
    }

    /// Only a regular file, or nothing, may be replaced.
    private func checkReplaceable() throws(AudioError) {
        var status = stat()
        guard lstat(path, &status) == 0 else { return }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw AudioError(.writeFailed, "'\(path)' exists and is not a regular file (a device, FIFO, folder or symlink); refusing to replace it")
        }
    }

    private func failure(_ what: String) -> AudioError {
        AudioError(.writeFailed, "cannot \(what) '\(path)': \(String(cString: strerror(errno)))")
    }
}
