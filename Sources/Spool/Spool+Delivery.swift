import Basics
import Foundation
import Glibc

extension Spool {
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
        let staging = tmp + "/" + Self.uniqueName()
        if inputs.isEmpty {
            try FileSystem.writeNew(job, to: staging, durable: durable)
            let entry = id + ".json"
            do {
                try FileSystem.moveWithoutReplacing(staging, path(of: .new, entry))
                if durable { try FileSystem.syncDirectory(new) }
            } catch {
                unlink(staging)
                throw error
            }
            record(.submitted, job: id) { $0.entry = entry }
            return entry
        }
        try FileSystem.createDirectories(staging)
        do {
            var folders: Set<String> = [staging]
            for input in inputs {
                let target = staging + "/" + input.name
                let folder = FileSystem.parentDirectory(of: target)
                try FileSystem.createDirectories(folder)
                try FileSystem.copyFile(input.source, target)
                if durable { try FileSystem.syncFile(target) }
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

    /// Delivers a job folder whose files are given as bytes (an upload to
    /// `serve`), the same way: written in `tmp/`, renamed into `new/`.
    /// Names are relative paths the job's own parser has checked (no `..`).
    @discardableResult
    public func deliver(job: Data, id: String, contents: [(name: String, data: Data)]) throws(FileSystemError) -> String {
        guard !contents.isEmpty else { return try deliver(job: job, id: id) }
        let staging = tmp + "/" + Self.uniqueName()
        try FileSystem.createDirectories(staging)
        do {
            for file in contents {
                let target = staging + "/" + file.name
                if let slash = target.lastIndex(of: "/") { try FileSystem.createDirectories(String(target[..<slash])) }
                try FileSystem.writeAtomically(file.data, to: target)
            }
            try FileSystem.writeAtomically(job, to: staging + "/job.json", durable: true)
            try FileSystem.moveWithoutReplacing(staging, path(of: .new, id))
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
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let stamp = String(
            format: "%04d%02d%02dT%02d%02d%02d", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!,
            parts.second!)
        // 40 random bits: a thousand ids made in one second collide with a
        // chance of about one in two million (24 bits gave 3 %).
        let random = String(format: "%010llx", UInt64.random(in: 0..<(1 << 40)))
        return "\(Submission.sanitize(base))-\(stamp)-\(random)"
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
