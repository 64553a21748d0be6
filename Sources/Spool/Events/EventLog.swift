import Basics
import Foundation
import Glibc

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
        guard let data = try? Self.encoder.encode(event) else { return false }
        rotateIfFull()
        var fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o666)
        if fd < 0 && errno == ENOENT, let slash = path.lastIndex(of: "/") {
            // This host's first event: its folder is made on demand.
            try? FileSystem.createDirectories(String(path[..<slash]))
            fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o666)
        }
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let line = data + Data("\n".utf8)
        // One write per line: with O_APPEND the kernel places it at the end
        // atomically, whoever else is appending.
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        return written == line.count
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

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder.line(sortedKeys: true)
        return encoder
    }()
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
