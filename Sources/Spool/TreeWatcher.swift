import Basics
import Foundation
import Glibc

/// Tells when anything under a folder changes, without looking: inotify
/// watches on the folder and each subfolder (hidden ones and `__pycache__`
/// skipped, as they change without their owner changing), with watches
/// added as subfolders appear. It only says *that* something changed; the
/// caller looks at what. `init` throws where inotify cannot be had (or the
/// tree is too big to watch), and the caller falls back to polling.
public final class TreeWatcher: Sendable {
    public let root: String
    /// The most folders watched; a bigger tree is polled instead.
    public static let folderLimit = 2000
    private let descriptor: Int32
    private let wakePipe: (read: Int32, write: Int32)

    public init(root: String) throws(FileSystemError) {
        let descriptor = inotify_init1(Int32(IN_CLOEXEC))
        guard descriptor >= 0 else { throw FileSystemError("inotify_init1", root) }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0, fcntl(fds[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(fds[1], F_SETFD, FD_CLOEXEC) == 0 else {
            close(descriptor)
            throw FileSystemError("pipe2", root)
        }
        self.descriptor = descriptor
        wakePipe = (fds[0], fds[1])
        self.root = root
        var folders: [Int32: String] = [:]
        guard Self.watch(root, descriptor: descriptor, into: &folders) else {
            throw FileSystemError("inotify_add_watch (or more than \(Self.folderLimit) folders)", root)
        }
        initialFolders = folders
    }

    private let initialFolders: [Int32: String]

    deinit {
        close(descriptor)
        close(wakePipe.read)
        close(wakePipe.write)
    }

    static let mask = UInt32(
        IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_ONLYDIR)

    static func skipped(_ name: String) -> Bool { name.hasPrefix(".") || name == "__pycache__" }

    /// Watches `folder` and its subfolders; false past the limit or on error.
    private static func watch(_ folder: String, descriptor: Int32, into folders: inout [Int32: String]) -> Bool {
        var pending = [folder]
        while let path = pending.popLast() {
            guard folders.count < folderLimit else { return false }
            let wd = inotify_add_watch(descriptor, path, mask)
            guard wd >= 0 else {
                if path == folder { return false }
                continue  // a subfolder may vanish meanwhile
            }
            folders[wd] = path
            for name in (try? FileSystem.list(path)) ?? [] where !skipped(name) {
                let child = path + "/" + name
                if FileSystem.info(child)?.type == .directory { pending.append(child) }
            }
        }
        return true
    }

    /// Calls `handler` after each batch of changes, on a thread of its own,
    /// until `stop()`. After an overflow it is called too: something changed.
    public func start(_ handler: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in self.loop(handler) }
        thread.name = "tree-watcher"
        thread.start()
    }

    public func stop() {
        var byte: UInt8 = 1
        _ = write(wakePipe.write, &byte, 1)
    }

    private func loop(_ handler: @Sendable () -> Void) {
        var folders = initialFolders
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var fds = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0), pollfd(fd: wakePipe.read, events: Int16(POLLIN), revents: 0)]
        while true {
            if poll(&fds, 2, -1) < 0 {
                if errno == EINTR { continue }
                return
            }
            if fds[1].revents != 0 { return }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { continue }
            var relevant = false
            buffer.withUnsafeBytes { bytes in
                var offset = 0
                while offset + 16 <= count {
                    let wd = bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)
                    let eventMask = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
                    let length = Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                    let nameBytes = UnsafeRawBufferPointer(rebasing: bytes[(offset + 16)..<min(count, offset + 16 + length)])
                    let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
                    offset += 16 + length
                    if eventMask & UInt32(IN_Q_OVERFLOW) != 0 { relevant = true; continue }
                    if eventMask & UInt32(IN_IGNORED) != 0 { folders[wd] = nil; continue }
                    if !name.isEmpty && Self.skipped(name) { continue }
                    relevant = true
                    // A new subfolder: watch it (and what was copied into it).
                    if eventMask & UInt32(IN_ISDIR) != 0, eventMask & UInt32(IN_CREATE | IN_MOVED_TO) != 0, let parent = folders[wd] {
                        _ = Self.watch(parent + "/" + name, descriptor: descriptor, into: &folders)
                    }
                }
            }
            if relevant { handler() }
        }
    }
}
