import Basics
import Foundation
import Glibc
import Synchronization

/// `state/hosts/<host>/events.jsonl`: an append-only log of every job's
/// transitions, one JSON object per line, for `tail -f`, `jq` and
/// `audiospool explain`. Each host has its own: O_APPEND is atomic only
/// among the writers of one host (not over NFS), and `explain` merges them.
///
/// The supervisors and the CLI of one host append to one file: each line is one
/// `write(2)` on a descriptor opened with `O_APPEND`, so lines never
/// interleave or overwrite each other. When the file passes `maxBytes` it
/// is renamed to `events.jsonl.1` (replacing the previous one) under an
/// `flock`, so two writers cannot both rotate it.
public struct EventLog: Sendable {
    public let path: String
    public let maxBytes: Int64

    /// 10 MiB: about 40,000 lines, several thousand jobs.
    public static let defaultMaxBytes: Int64 = 10 << 20
    /// A line's message is cut to this many characters.
    static let maxMessageCharacters = 2000

    public init(path: String, maxBytes: Int64 = EventLog.defaultMaxBytes) {
        self.path = path
        self.maxBytes = maxBytes
    }

    public var rotatedPath: String { path + ".1" }

    /// Appends one line. A log that cannot be written must not fail a job,
    /// so this reports failure instead of throwing.
    @discardableResult
    public func append(_ event: SpoolEvent) -> Bool {
        var event = event
        if let message = event.message, message.count > Self.maxMessageCharacters {
            event.message = String(message.prefix(Self.maxMessageCharacters)) + "…"
        }
        guard var line = try? Self.encoder.bytes(event) else { return false }
        line.append(UInt8(ascii: "\n"))
        return Self.descriptors.withLock { logs in
            // The file as it is now: a rotation (ours or another process's)
            // or a removal gives the path another inode, and the descriptor
            // kept for the old one is closed.
            var status = stat()
            let found = fstatat(AT_FDCWD, path, &status, 0) == 0
            if found && status.st_size >= maxBytes {
                rotateIfFull()
                logs.close(path)
            } else if found, let kept = logs.entries[path], kept.inode == UInt64(status.st_ino) {
                return Self.write(line, to: kept.fd)
            } else {
                logs.close(path)
            }
            guard let (fd, inode) = openLog() else { return false }
            logs.keep(path, fd: fd, inode: inode)
            return Self.write(line, to: fd)
        }
    }

    /// One write per line: with O_APPEND the kernel places it at the end
    /// atomically, whoever else is appending.
    private static func write(_ line: [UInt8], to fd: Int32) -> Bool {
        line.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, $0.count) } == line.count
    }

    private func openLog() -> (fd: Int32, inode: UInt64)? {
        var fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o666)
        if fd < 0 && errno == ENOENT, let slash = path.lastIndex(of: "/") {
            // This host's first event: its folder is made on demand.
            try? FileSystem.createDirectories(String(path[..<slash]))
            fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o666)
        }
        guard fd >= 0 else { return nil }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            close(fd)
            return nil
        }
        return (fd, UInt64(status.st_ino))
    }

    /// The logs this process appends to, each kept open (a stat and a write
    /// a line, not also an open and a close); the few most recent only.
    private static let descriptors = Mutex(OpenLogs())

    struct OpenLogs {
        var entries: [String: (fd: Int32, inode: UInt64)] = [:]
        var order: [String] = []

        mutating func keep(_ path: String, fd: Int32, inode: UInt64) {
            entries[path] = (fd, inode)
            order.append(path)
            while order.count > 8 { close(order[0]) }
        }

        mutating func close(_ path: String) {
            if let kept = entries.removeValue(forKey: path) { Glibc.close(kept.fd) }
            order.removeAll { $0 == path }
        }
    }

    /// Every readable event, oldest first (the rotated file, then the current one).
    public func read() -> [SpoolEvent] {
        let decoder = JSONDecoder()
        return [rotatedPath, path].flatMap { file -> [SpoolEvent] in
            guard let data = FileManager.default.contents(atPath: file) else { return [] }
            return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(SpoolEvent.self, from: Data($0)) }
        }
    }

    private func rotateIfFull() {
        guard let size = FileSystem.info(path)?.size, size >= maxBytes else { return }
        let lock = open(path + ".lock", O_WRONLY | O_CREAT | O_CLOEXEC, 0o666)
        guard lock >= 0 else { return }
        defer { close(lock) }
        guard flock(lock, LOCK_EX) == 0 else { return }
        defer { flock(lock, LOCK_UN) }
        // Another writer may have rotated it while we waited for the lock.
        guard let again = FileSystem.info(path)?.size, again >= maxBytes else { return }
        Glibc.rename(path, rotatedPath)
    }

    static let encoder = DocumentEncoder.line(sortedKeys: true)
}

extension Spool {
    /// This host's events log, the one its processes append to.
    public var events: EventLog { EventLog(path: state.eventsFile) }

    /// Every host's events (and those of the single-host layout, if any),
    /// merged by time: what `explain` tells. Lines of one time keep their
    /// files' order.
    public func allEvents() -> [SpoolEvent] {
        let logs = [EventLog(path: state.legacyEventsFile)] + state.allHosts().map { EventLog(path: $0.eventsFile) }
        let events = logs.flatMap { $0.read() }
        return events.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
    }

    /// Records one transition of a job (best effort).
    public func record(_ kind: SpoolEvent.Kind, job: String, _ fill: (inout SpoolEvent) -> Void = { _ in }) {
        var event = SpoolEvent(job: job, event: kind)
        fill(&event)
        events.append(event)
    }
}
