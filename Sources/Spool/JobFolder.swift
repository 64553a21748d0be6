import EngineProtocol
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
    /// The engine's scratch folder: the only place an engine writes.
    public var workDirectory: String { path + "/work" }
    /// A segmented job's finished segments, kept across attempts.
    public var segmentsDirectory: String { path + "/segments" }

    /// Removes the hidden temporary files (`.NAME.partial-PID`,
    /// `.NAME.tmp-PID-N`) that an interrupted attempt, such as one whose
    /// supervisor was killed, left among the outputs, so none reaches done/.
    public func removeInterruptedWrites() throws(FileSystemError) {
        try Self.removeInterruptedWrites(in: path)
    }

    private static func removeInterruptedWrites(in directory: String) throws(FileSystemError) {
        for name in try FileSystem.list(directory) {
            let entry = directory + "/" + name
            if FileSystem.info(entry)?.type == .directory {
                try removeInterruptedWrites(in: entry)
            } else if name.hasPrefix("."), name.contains(".partial-") || name.contains(".tmp-") {
                try FileSystem.removeTree(entry)
            }
        }
    }

    /// Names the supervisor writes; a submitted folder's files of these names
    /// are replaced.
    public static let reservedNames: Set<String> = [
        "status.json", "result.json", "error.json", "owner.json", "attempts.json", "work", "segments",
    ]

    public func readSpec(limits: SpoolLimits) throws(DocumentError) -> JobSpec {
        guard let info = FileSystem.info(jobFile) else {
            throw DocumentError("the job folder has no job.json")
        }
        guard info.type == .regular else { throw DocumentError("job.json is not a regular file") }
        guard info.size <= Int64(limits.maxJobBytes) else {
            throw DocumentError("job.json is \(info.size) bytes, over the limit of \(limits.maxJobBytes)")
        }
        let data: Data
        do {
            data = try FileSystem.read(jobFile, limit: limits.maxJobBytes)
        } catch {
            throw DocumentError("cannot read job.json: \(error.errno)")
        }
        return try JobSpec.parse(data, limits: limits)
    }

    /// The absolute path of a file the job names, after checking that it is
    /// a regular file inside the job folder (no symlink may lead out of it).
    public func resolveInput(_ relative: String, field: String, limits: SpoolLimits) throws(DocumentError) -> String {
        try JobSpec.checkRelativePath(relative, field: field)
        let candidate = path + "/" + relative
        guard let real = Self.realPath(candidate) else {
            throw DocumentError("\(field): file \"\(relative)\" is not in the job folder")
        }
        guard let root = Self.realPath(path), real.hasPrefix(root + "/") else {
            throw DocumentError("\(field): \"\(relative)\" leads outside the job folder")
        }
        guard let info = FileSystem.info(real), info.type == .regular else {
            throw DocumentError("\(field): \"\(relative)\" is not a regular file")
        }
        guard info.size <= limits.maxInputBytes else {
            throw DocumentError("\(field): \"\(relative)\" is \(info.size) bytes, over the limit of \(limits.maxInputBytes)")
        }
        return real
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    // MARK: Documents

    public func write(_ document: some Encodable, to file: String, durable: Bool = false) throws(FileSystemError) {
        let data: Data
        do {
            data = try Self.encoder.encode(document) + Data("\n".utf8)
        } catch {
            throw FileSystemError("encode", file, .invalidArgument)
        }
        try FileSystem.writeAtomically(data, to: file, durable: durable)
    }

    public func read<T: Decodable>(_ type: T.Type, from file: String) -> T? {
        guard let data = try? FileSystem.read(file, limit: 16 << 20) else { return nil }
        return try? JSONDecoder().decode(type, from: data)
    }

    public func attempts() -> [AttemptRecord] {
        read([AttemptRecord].self, from: attemptsFile) ?? []
    }

    public func writeAttempts(_ attempts: [AttemptRecord]) throws(FileSystemError) {
        try write(attempts, to: attemptsFile)
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
