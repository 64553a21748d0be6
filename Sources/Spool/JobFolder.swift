import Basics
import Foundation
import Glibc

/// The files of one job folder (`cur/<id>`, and later `done/<id>` or
/// `failed/<id>`). Names here are the spool's reserved names (SPOOL.md).
public struct JobFolder: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public var jobFile: String { path + "/job.json" }
    public var statusFile: String { path + "/status.json" }
    public var resultFile: String { path + "/result.json" }
    public var errorFile: String { path + "/error.json" }
    public var ownerFile: String { path + "/owner.json" }
    public var attemptsFile: String { path + "/attempts.json" }
    // `work/` (the engine's scratch folder) and `segments/` (a segmented
    // job's finished segments) are reached through `directory()` only.

    /// The folder, opened: every file inside it is reached through this.
    public func directory() throws(FileSystemError) -> ConfinedDirectory {
        try ConfinedDirectory(path: path)
    }

    /// `file` (a path inside this folder, or a name) relative to it.
    func name(of file: String) -> String {
        file.hasPrefix(path + "/") ? String(file.dropFirst(path.count + 1)) : file
    }

    /// Removes the hidden temporary files (`.NAME.tmp-RANDOM`, and the
    /// older `.partial-` and `.staging-` forms) that an interrupted
    /// attempt, such as one whose supervisor was killed, left among the
    /// outputs or segments, so none reaches done/. Only where the
    /// supervisor writes: never down a tree the submitter made.
    public func removeInterruptedWrites() throws(FileSystemError) {
        let folder = try directory()
        var places = [folder]
        if folder.info("segments")?.type == .directory { places.append(try folder.directory("segments")) }
        for place in places {
            for name in try place.list() where JobFolderNames.isTemporary(name) { try place.remove(name) }
        }
    }

    /// Names the supervisor writes; a submitted folder's entries of these
    /// names are removed before the job runs (Spool.admit).
    public static var reservedNames: Set<String> { JobFolderNames.supervisorEntries }

    public func readSpec(limits: SpoolLimits) throws(DocumentError) -> JobSpec {
        let folder: ConfinedDirectory
        do {
            folder = try directory()
        } catch {
            throw DocumentError("cannot open the job folder: \(error.errno)")
        }
        guard let info = folder.info("job.json") else {
            throw DocumentError("the job folder has no job.json")
        }
        guard info.type == .regular else { throw DocumentError("job.json is not a regular file") }
        guard info.size <= Int64(limits.maxJobBytes) else {
            throw DocumentError("job.json is \(info.size) bytes, over the limit of \(limits.maxJobBytes)")
        }
        let data: Data
        do {
            data = try folder.read("job.json", limit: limits.maxJobBytes)
        } catch {
            throw DocumentError("cannot read job.json: \(error.errno)")
        }
        return try JobSpec.parse(data, limits: limits)
    }

    /// Opens a file the job names, read-only, after checking that it is a
    /// regular file inside the job folder reached without a symlink. The
    /// caller owns the descriptor: it is the very file that was checked, so
    /// nothing the submitter does afterwards can redirect it.
    public func openInput(_ relative: String, field: String, limits: SpoolLimits) throws(DocumentError) -> Int32 {
        try JobSpec.checkRelativePath(relative, field: field)
        let name = relative.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
        let folder: ConfinedDirectory
        do {
            folder = try directory()
        } catch {
            throw DocumentError("\(field): cannot open the job folder: \(error.errno)")
        }
        guard let info = folder.info(name) else {
            if Self.passesThroughSymlink(name, in: folder) {
                throw DocumentError("\(field): \"\(relative)\" leads outside the job folder through a symbolic link, and symbolic links in a job folder are never followed")
            }
            throw DocumentError("\(field): file \"\(relative)\" is not in the job folder")
        }
        switch info.type {
        case .regular: break
        case .symlink:
            throw DocumentError("\(field): \"\(relative)\" is a symbolic link, which may lead outside the job folder; symbolic links in a job folder are never followed")
        default:
            throw DocumentError("\(field): \"\(relative)\" is not a regular file")
        }
        guard info.size <= limits.maxInputBytes else {
            throw DocumentError("\(field): \"\(relative)\" is \(info.size) bytes, over the limit of \(limits.maxInputBytes)")
        }
        do {
            return try folder.openRegular(name, O_RDONLY)
        } catch {
            throw DocumentError("\(field): \"\(relative)\" cannot be opened: \(error.errno)")
        }
    }

    private static func passesThroughSymlink(_ name: String, in folder: ConfinedDirectory) -> Bool {
        var prefix = ""
        for component in name.split(separator: "/").dropLast() {
            prefix += (prefix.isEmpty ? "" : "/") + component
            if folder.info(prefix)?.type == .symlink { return true }
        }
        return false
    }

    // MARK: Documents

    /// Writes a document atomically at `file`, a path inside this folder,
    /// through the folder's descriptor.
    public func write(_ document: some Encodable, to file: String, durable: Bool = false) throws(FileSystemError) {
        try directory().writeAtomically(Self.bytes(of: document, for: file), to: name(of: file), durable: durable)
    }

    /// A document as the spool writes every one: indented, one line end.
    public static func bytes(of document: some Encodable, for path: String) throws(FileSystemError) -> Data {
        do {
            return try encoder.encode(document) + Data("\n".utf8)
        } catch {
            throw FileSystemError("encode", path, .invalidArgument)
        }
    }

    public func read<T: Decodable>(_ type: T.Type, from file: String) -> T? {
        guard let data = try? directory().read(name(of: file), limit: 16 << 20) else { return nil }
        return try? JSONDecoder().decode(type, from: data)
    }

    /// What attempts.json says. For people and `status` only: the count the
    /// supervisor acts on is the one it keeps itself (Spool.carried).
    public func attempts() -> [AttemptRecord] {
        read([AttemptRecord].self, from: attemptsFile) ?? []
    }

    public func writeAttempts(_ attempts: [AttemptRecord], durable: Bool = false) throws(FileSystemError) {
        try write(attempts, to: attemptsFile, durable: durable)
        if durable { try directory().sync() }
    }

    /// Syncs the data of `files` (names in this folder), then the folder's
    /// own entries: what a job folder holds is on disk before the rename
    /// that moves it to `done/` or `failed/` (SPOOL.md, "Crashes and power loss").
    public func sync(files: [String]) throws(FileSystemError) {
        let folder = try directory()
        for file in files { try folder.syncFile(name(of: file)) }
        try folder.sync()
    }

    /// Removes an entry of this folder (a path inside it, or a name), never
    /// following a symlink.
    public func remove(_ file: String) throws(FileSystemError) {
        try directory().remove(name(of: file))
    }

    /// JSONEncoder.document()'s bytes, written by the cheaper encoder.
    static let encoder = DocumentEncoder.document
}
