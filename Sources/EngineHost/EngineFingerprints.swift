import Basics
import Crypto
import Foundation

/// What each engine folder of an engines folder looks like on disk: a hash
/// of its files' paths, sizes and modification times. Two scans that differ
/// name the engines that were added, changed or removed, which is how a
/// running supervisor notices a new or updated engine (hot reload).
public struct EngineFingerprints: Sendable, Equatable {
    /// Engine (folder) name → fingerprint.
    public private(set) var engines: [String: String] = [:]

    /// The most files looked at per engine; a folder bigger than this is
    /// fingerprinted by the first files its walk meets only.
    static let fileLimit = 5000

    public init() {}

    /// Scans every subfolder of `directory` that holds an `engine.json`.
    /// Hidden entries and `__pycache__` are skipped: they change without
    /// the engine changing.
    public static func scan(_ directory: String) -> EngineFingerprints {
        var result = EngineFingerprints()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names.sorted() where !name.hasPrefix(".") {
            let folder = directory + "/" + name
            guard FileManager.default.fileExists(atPath: folder + "/" + EngineManifest.fileName) else { continue }
            result.engines[name] = fingerprint(of: folder)
        }
        return result
    }

    /// Engines added, changed or removed since `earlier`.
    public func changes(since earlier: EngineFingerprints) -> Set<String> {
        Set(engines.keys).union(earlier.engines.keys).filter { engines[$0] != earlier.engines[$0] }
    }

    static func fingerprint(of folder: String) -> String {
        var hash = SHA256()
        var pending = [""]
        var seen = 0
        while let relative = pending.popLast(), seen < fileLimit {
            let path = relative.isEmpty ? folder : folder + "/" + relative
            let children = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
            for child in children where !child.hasPrefix(".") && child != "__pycache__" && seen < fileLimit {
                let childRelative = relative.isEmpty ? child : relative + "/" + child
                var info = stat()
                // lstat: a link is fingerprinted as a link, not followed out of the folder.
                guard lstat(folder + "/" + childRelative, &info) == 0 else { continue }
                seen += 1
                hash.update(data: Data("\(childRelative)\0\(info.st_size)\0\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)\0".utf8))
                if (info.st_mode & S_IFMT) == S_IFDIR { pending.append(childRelative) }
            }
        }
        return hash.finalize().hexString
    }
}
