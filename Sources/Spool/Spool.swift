import Basics
import Foundation
import Glibc

/// A spool on disk: the folders are the interface (SPOOL.md).
///
///     tmp/     deliveries being written; never read by the supervisor
///     new/     submitted, waiting to be claimed
///     cur/     claimed: one folder per running job
///     done/    finished: result.json, outputs, job.json
///     failed/  dead letters: error.json, the job and its inputs
///     state/   the supervisors' own files (Spool.State)
///     cancel/  a file named after a job cancels it
public struct Spool: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    public var tmp: String { root + "/tmp" }
    public var new: String { root + "/new" }
    public var cur: String { root + "/cur" }
    public var done: String { root + "/done" }
    public var failed: String { root + "/failed" }
    /// A file named after a job asks for its cancellation.
    public var cancel: String { root + "/cancel" }
    public var configFile: String { root + "/config.json" }

    /// The folders a job moves through, in order.
    public enum Folder: String, Sendable, CaseIterable {
        case new, cur, done, failed
    }

    public func path(of folder: Folder) -> String {
        switch folder {
        case .new: new
        case .cur: cur
        case .done: done
        case .failed: failed
        }
    }

    public func path(of folder: Folder, _ name: String) -> String {
        path(of: folder) + "/" + name
    }

    /// Creates the folders that are missing. Safe to run by many supervisors at once.
    /// The spool folder itself is made only inside an existing folder: a
    /// typo in `--spool` should fail, not grow a tree of folders.
    public func create() throws(FileSystemError) {
        if !FileSystem.isDirectory(root) {
            let parent = (root as NSString).deletingLastPathComponent
            guard parent.isEmpty || FileSystem.isDirectory(parent) else {
                throw FileSystemError("make the spool (its parent folder must exist)", root, .noSuchFileOrDirectory)
            }
            if mkdir(root, 0o777) != 0 && errno != EEXIST { throw FileSystemError("mkdir", root) }
        }
        // 0777 less the umask: a spool shared by a group needs group-writable folders.
        for folder in [tmp, new, cur, done, failed, state.path, cancel] {
            try FileSystem.createDirectories(folder, mode: 0o777)
        }
    }

    /// Whether `root` holds a spool (its `new/` folder exists).
    public var exists: Bool { FileSystem.isDirectory(new) }

    /// Whether `id` can name a job: one path component, not hidden (names
    /// starting with `.` are temporaries), no NUL, no control characters.
    /// Every id a user gives a command is checked with this first, so
    /// `retry ../done/x` or `status .` never reaches a path.
    public static func isJobID(_ id: String) -> Bool {
        guard let first = id.utf8.first, first != UInt8(ascii: "."), id.utf8.count <= 255 else { return false }
        // Printable ASCII (most ids) needs no look at Unicode's categories.
        if id.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return !id.utf8.contains(UInt8(ascii: "/")) }
        return !id.utf8.contains(UInt8(ascii: "/")) && !id.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// Why `id` cannot be a job id, or nil if it can.
    public static func problem(withJobID id: String) -> String? {
        isJobID(id) ? nil : "\"\(id)\" is not a job id: an id is one file name, not empty, without \"/\", not starting with \".\", without control characters"
    }

    /// Where a job is now, if anywhere: cur/ first, so a job caught between
    /// two renames is reported where it is going, not where it was. Without
    /// `listingNew`, new/ is looked at only for the names `submit` and
    /// `serve` deliver (`ID`, `ID.json`), not listed for other drops.
    public func locate(_ id: String, listingNew: Bool = true) -> Folder? {
        guard Self.isJobID(id) else { return nil }
        for folder in [Folder.cur, .done, .failed, .new] where FileSystem.exists(path(of: folder, id)) {
            return folder
        }
        if FileSystem.exists(path(of: .new, id + ".json")) { return .new }
        if listingNew, (try? FileSystem.list(new))?.contains(where: { Submission.stem(of: $0) == id }) == true {
            return .new
        }
        // Being finished under a private name (Spool+Fencing), or just done.
        if runningFolder(of: id) != nil { return .cur }
        for folder in [Folder.done, .failed, .new] where FileSystem.exists(path(of: folder, id)) { return folder }
        return nil
    }
}
