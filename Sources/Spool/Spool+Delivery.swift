import Basics
import Foundation
import Glibc

extension Spool {
    /// A file of a job folder being delivered: copied from a path (`submit`)
    /// or given as bytes (an upload to `serve`).
    public enum DeliveredFile: Sendable {
        case copy(from: String)
        case bytes(Data)
    }

    /// Delivers a job the maildir way: it is written under a unique name in
    /// `tmp/`, then linked (files) or renamed (folders) into `new/`. Neither
    /// replaces an entry already there, so a delivery never loses a job.
    /// With `durable` (config.json's, default true) the job's files are
    /// synced before the rename and `new/` after it: once this returns, the
    /// job survives a crash or a power cut (SPOOL.md, "Crashes and power loss").
    ///
    /// - Parameters:
    ///   - job: the job.json contents.
    ///   - inputs: files to copy into a job folder, as (name in the folder,
    ///     source path). With none, the job is delivered as `new/<id>.json`.
    /// - Returns: the entry's name in `new/`.
    @discardableResult
    public func deliver(
        job: Data, id: String, inputs: [(name: String, source: String)] = [], durable: Bool = true
    ) throws(FileSystemError) -> String {
        try deliver(job: job, id: id, files: inputs.map { ($0.name, .copy(from: $0.source)) }, durable: durable)
    }

    /// The same, with the files given as bytes (an upload to `serve`).
    /// Names are relative paths the job's own parser has checked (no `..`).
    @discardableResult
    public func deliver(job: Data, id: String, contents: [(name: String, data: Data)], durable: Bool = true) throws(FileSystemError) -> String {
        try deliver(job: job, id: id, files: contents.map { ($0.name, .bytes($0.data)) }, durable: durable)
    }

    /// The one delivery both of the above make.
    @discardableResult
    public func deliver(job: Data, id: String, files: [(name: String, file: DeliveredFile)], durable: Bool) throws(FileSystemError) -> String {
        if files.isEmpty { return try DeliveryFolders(spool: self).deliver(job: job, id: id, durable: durable).entry }
        let staging = tmp + "/" + Self.uniqueName()
        try FileSystem.createDirectories(staging)
        do {
            var folders: Set<String> = [staging]
            for (name, file) in files {
                let target = staging + "/" + name
                let folder = FileSystem.parentDirectory(of: target)
                try FileSystem.createDirectories(folder)
                switch file {
                case .copy(let source):
                    try FileSystem.copyFile(source, target)
                    if durable { try FileSystem.syncFile(target) }
                case .bytes(let data):
                    try FileSystem.writeNew(data, to: target, durable: durable)
                }
                // Each folder up to the job's holds a new name.
                var inner = folder
                while inner.count > staging.count {
                    folders.insert(inner)
                    inner = FileSystem.parentDirectory(of: inner)
                }
            }
            try FileSystem.writeNew(job, to: staging + "/job.json", durable: durable)
            if durable {
                for folder in folders.sorted(by: { $0.count > $1.count }) { try FileSystem.syncDirectory(folder) }
            }
            try FileSystem.moveWithoutReplacing(staging, path(of: .new, id))
            if durable { try FileSystem.syncDirectory(new) }
        } catch {
            try? FileSystem.removeTree(staging)
            throw error
        }
        record(.submitted, job: id)
        return id
    }

    /// A job id for `submit`: readable, sortable by time, and unique without
    /// coordination (`tone-20261123T145100-3fa9c2`).
    public static func newJobID(base: String, date: Date = Date()) -> String {
        // gmtime_r, not a Calendar: a server makes one per request.
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // Digits by hand: String(format:) goes through a locale, and was a
        // twentieth of a submission's CPU in `serve`.
        var text = Array(Submission.sanitize(base).utf8)
        text.append(UInt8(ascii: "-"))
        Timestamp.appendDigits(parts.tm_year + 1900, 4, to: &text)
        Timestamp.appendDigits(parts.tm_mon + 1, 2, to: &text)
        Timestamp.appendDigits(parts.tm_mday, 2, to: &text)
        text.append(UInt8(ascii: "T"))
        Timestamp.appendDigits(parts.tm_hour, 2, to: &text)
        Timestamp.appendDigits(parts.tm_min, 2, to: &text)
        Timestamp.appendDigits(parts.tm_sec, 2, to: &text)
        text.append(UInt8(ascii: "-"))
        // 40 random bits: a thousand ids made in one second collide with a
        // chance of about one in two million (24 bits gave 3 %).
        let random = UInt64.random(in: 0..<(1 << 40))
        let hex = Array("0123456789abcdef".utf8)
        for shift in stride(from: 36, through: 0, by: -4) { text.append(hex[Int((random >> UInt64(shift)) & 0xF)]) }
        return String(decoding: text, as: UTF8.self)
    }

    /// Whether any folder already holds a job of this id.
    public func hasJob(_ id: String) -> Bool {
        locate(id) != nil
    }

    /// maildir's unique name: time, pid and a counter, and the host.
    static func uniqueName() -> String {
        let now = Date().timeIntervalSince1970
        let seconds = Int(now)
        let micros = Int((now - Double(seconds)) * 1_000_000)
        return "\(seconds).M\(micros)P\(getpid())R\(UInt32.random(in: 0...UInt32.max)).\(HostIdentity.name)"
    }
}
