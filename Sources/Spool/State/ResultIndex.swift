import Basics
import Foundation
import Glibc

/// `state/results/`: the idempotency index (SPOOL.md, "Idempotency"), shared
/// by the supervisor's cache (which files and reads entries, and marks a key
/// while its job runs) and retention (which removes an entry with its job).
///
///     results/<key>          a ResultIndexEntry: the job in done/ and its outputs' digests
///     results/<key>.running  the id of the job computing the key now
public struct ResultIndex: Sendable, Equatable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// The entry's file. Only a well-formed key (ResultIndexEntry.isKey)
    /// should reach this: a key from a result.json someone edited is checked first.
    public func file(key: String) -> String { directory + "/" + key }
    public func runningMark(key: String) -> String { file(key: key) + ".running" }

    /// The entry for `key`, if there is a readable one.
    public func entry(for key: String) -> ResultIndexEntry? {
        guard let data = try? FileSystem.read(file(key: key), limit: 1 << 20) else { return nil }
        return try? JSONDecoder().decode(ResultIndexEntry.self, from: data)
    }

    /// Files `entry` as the result for `key`, replacing any earlier one.
    /// With `durable` it is synced (file, rename, folder); the job it names
    /// is in `done/` durably before this is written.
    public func record(_ entry: ResultIndexEntry, for key: String, durable: Bool = false) throws(FileSystemError) {
        let data: Data
        do {
            data = try DocumentEncoder.line(sortedKeys: true).encode(entry)
        } catch {
            throw FileSystemError("encode", file(key: key), .invalidArgument)
        }
        try FileSystem.createDirectories(directory)
        try FileSystem.writeAtomically(data, to: file(key: key), durable: durable)
    }

    /// Removes the entry for `key` if it names job `id` (a later job with
    /// the same key may have filed its own since).
    public func remove(key: String, ifItNames id: String) {
        guard ResultIndexEntry.isKey(key), entry(for: key)?.id == id else { return }
        unlink(file(key: key))
    }

    // MARK: Running marks

    /// Marks `key` as being computed by job `id`; false if another mark is there.
    public func mark(key: String, for id: String) throws(FileSystemError) -> Bool {
        try FileSystem.createDirectories(directory)
        return try FileSystem.createExclusively(Data(id.utf8), at: runningMark(key: key))
    }

    /// The job the mark names: nil if there is no readable mark (its
    /// holder may be releasing it right now), "" if it names none.
    public func markHolder(key: String) -> String? {
        (try? FileSystem.read(runningMark(key: key), limit: 4096)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Removes the mark, whoever holds it.
    public func clearMark(key: String) {
        unlink(runningMark(key: key))
    }

    /// Removes the mark if job `id` holds it.
    public func releaseMark(key: String, for id: String) {
        if markHolder(key: key) == id { clearMark(key: key) }
    }
}
