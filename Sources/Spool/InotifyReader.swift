import Basics
import Foundation
import Glibc

/// An inotify descriptor read on a thread of its own: inotify is a blocking
/// descriptor, and a thread keeps it off the cooperative pool. The watchers
/// (`SpoolWatcher`, `TreeWatcher`) add watches and make sense of the raw
/// events; this owns the descriptor, the thread and its stopping.
final class InotifyReader: Sendable {
    /// One `struct inotify_event { int wd; uint32_t mask, cookie, len; char name[len]; }`.
    struct Event {
        var watch: Int32
        var mask: UInt32
        var name: String

        func has(_ flag: Int32) -> Bool { mask & UInt32(flag) != 0 }
    }

    let descriptor: Int32
    private let wakePipe: (read: Int32, write: Int32)

    init(for path: String) throws(FileSystemError) {
        let descriptor = inotify_init1(Int32(IN_CLOEXEC))
        guard descriptor >= 0 else { throw FileSystemError("inotify_init1", path) }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0, fcntl(fds[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(fds[1], F_SETFD, FD_CLOEXEC) == 0 else {
            close(descriptor)
            throw FileSystemError("pipe2", path)
        }
        self.descriptor = descriptor
        wakePipe = (fds[0], fds[1])
    }

    deinit {
        close(descriptor)
        close(wakePipe.read)
        close(wakePipe.write)
    }

    /// Adds a watch; its descriptor, or nil.
    func watch(_ path: String, mask: UInt32) -> Int32? {
        let wd = inotify_add_watch(descriptor, path, mask)
        return wd >= 0 ? wd : nil
    }

    /// Calls `batch` with each read's events, on a thread named `name`,
    /// until `stop()`; `failed` once if reading fails for good.
    ///
    /// `gatherMilliseconds`: after a read that found events, how long the
    /// thread waits before it reads again, so a burst comes as one batch
    /// rather than a wake-up per event. Each wake-up of a sleeping reader
    /// costs the writer's system call an inter-processor interrupt; at
    /// thousands of deliveries a second that was a tenth of `serve`'s CPU.
    /// Zero (the default) reads again at once.
    func start(
        name: String, gatherMilliseconds: Int32 = 0, _ batch: @escaping @Sendable ([Event]) -> Void, failed: @escaping @Sendable () -> Void = {}
    ) {
        let thread = Thread { [self] in self.loop(batch, gather: gatherMilliseconds, failed: failed) }
        thread.name = name
        thread.start()
    }

    func stop() {
        var byte: UInt8 = 1
        _ = write(wakePipe.write, &byte, 1)
    }

    private func loop(_ batch: ([Event]) -> Void, gather: Int32, failed: () -> Void) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var fds = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0), pollfd(fd: wakePipe.read, events: Int16(POLLIN), revents: 0)]
        while true {
            if poll(&fds, 2, -1) < 0 {
                if errno == EINTR { continue }
                failed()
                return
            }
            if fds[1].revents != 0 { return }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { continue }
            batch(buffer.withUnsafeBytes { Self.parse(UnsafeRawBufferPointer(rebasing: $0[0..<count])) })
            // The wait watches the stop pipe only, so a stop is not held up by it.
            if gather > 0, poll(&fds[1], 1, gather) > 0 { return }
        }
    }

    static func parse(_ bytes: UnsafeRawBufferPointer) -> [Event] {
        var events: [Event] = []
        var offset = 0
        while offset + 16 <= bytes.count {
            let watch = bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)
            let mask = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            let length = Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            let nameBytes = UnsafeRawBufferPointer(rebasing: bytes[(offset + 16)..<min(bytes.count, offset + 16 + length)])
            events.append(Event(watch: watch, mask: mask, name: String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)))
            offset += 16 + length
        }
        return events
    }
}
