import Basics
import Foundation
import Glibc

/// Watches `new/` with inotify and reports what arrived. It only reports:
/// the caller decides when an entry is ready (PendingQueue), and a periodic
/// rescan covers anything inotify missed (an overflow, a network file system).
public final class SpoolWatcher: Sendable {
    public enum Event: Sendable, Equatable {
        /// Renamed or moved in: complete, ready to claim.
        case arrived(String)
        /// Created in place: a file may still be being written.
        case created(String, isDirectory: Bool)
        /// A writer closed it: complete.
        case closed(String)
        /// Gone (claimed by someone, or removed).
        case removed(String)
        /// Events were lost; the caller must rescan.
        case overflow
    }

    private let descriptor: Int32
    private let wakePipe: (read: Int32, write: Int32)
    public let directory: String

    public init(directory: String) throws(FileSystemError) {
        let descriptor = inotify_init1(Int32(IN_CLOEXEC))
        guard descriptor >= 0 else { throw FileSystemError("inotify_init1", directory) }
        let mask = UInt32(IN_MOVED_TO | IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_DELETE | IN_ONLYDIR)
        guard inotify_add_watch(descriptor, directory, mask) >= 0 else {
            let error = FileSystemError("inotify_add_watch", directory)
            close(descriptor)
            throw error
        }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0, fcntl(fds[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(fds[1], F_SETFD, FD_CLOEXEC) == 0 else {
            close(descriptor)
            throw FileSystemError("pipe2", directory)
        }
        self.descriptor = descriptor
        self.wakePipe = (fds[0], fds[1])
        self.directory = directory
    }

    deinit {
        close(descriptor)
        close(wakePipe.read)
        close(wakePipe.write)
    }

    /// Reads events on a thread of its own until `stop()`, calling `handler`
    /// for each. inotify is a blocking file descriptor; a thread keeps it off
    /// the cooperative pool.
    public func start(_ handler: @escaping @Sendable (Event) -> Void) {
        let thread = Thread { [self] in self.loop(handler) }
        thread.name = "spool-watcher"
        thread.start()
    }

    public func stop() {
        var byte: UInt8 = 1
        _ = write(wakePipe.write, &byte, 1)
    }

    private func loop(_ handler: @Sendable (Event) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var fds = [
            pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakePipe.read, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            let ready = poll(&fds, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                handler(.overflow)
                return
            }
            if fds[1].revents != 0 { return }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { continue }
            buffer.withUnsafeBytes { bytes in
                Self.parse(UnsafeRawBufferPointer(rebasing: bytes[0..<count]), handler)
            }
        }
    }

    /// `struct inotify_event { int wd; uint32_t mask, cookie, len; char name[len]; }`
    static func parse(_ bytes: UnsafeRawBufferPointer, _ handler: (Event) -> Void) {
        let headerSize = 16
        var offset = 0
        while offset + headerSize <= bytes.count {
            let mask = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            let length = Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            let nameBytes = UnsafeRawBufferPointer(rebasing: bytes[(offset + headerSize)..<min(bytes.count, offset + headerSize + length)])
            let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
            offset += headerSize + length
            if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                handler(.overflow)
                continue
            }
            if name.isEmpty { continue }
            if mask & UInt32(IN_MOVED_TO) != 0 {
                handler(.arrived(name))
            } else if mask & UInt32(IN_CREATE) != 0 {
                handler(.created(name, isDirectory: mask & UInt32(IN_ISDIR) != 0))
            } else if mask & UInt32(IN_CLOSE_WRITE) != 0 {
                handler(.closed(name))
            } else if mask & UInt32(IN_MOVED_FROM | IN_DELETE) != 0 {
                handler(.removed(name))
            }
        }
    }
}

