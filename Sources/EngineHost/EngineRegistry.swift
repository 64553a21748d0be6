import EngineProtocol
import Foundation

/// The engines installed in an engines folder: every subfolder with an
/// `engine.json`. A broken manifest is reported, not fatal: the other
/// engines keep working, and jobs for the broken one fail with its error.
public struct EngineRegistry: Sendable {
    public let directory: String
    public private(set) var manifests: [String: EngineManifest] = [:]
    /// Engine name → why its manifest could not be used.
    public private(set) var problems: [String: String] = [:]

    public init(directory: String) {
        self.directory = directory
    }

    /// Scans `directory`. Folders without `engine.json` (such as `sdk/`) are skipped.
    public static func load(directory: String) -> EngineRegistry {
        // Absolute, because engines run in their own folders.
        let directory = URL(fileURLWithPath: directory).standardizedFileURL.path
        var registry = EngineRegistry(directory: directory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names.sorted() where !name.hasPrefix(".") {
            let folder = directory + "/" + name
            guard FileManager.default.fileExists(atPath: folder + "/" + EngineManifest.fileName) else { continue }
            do {
                registry.manifests[name] = try EngineManifest.load(directory: folder)
            } catch {
                registry.problems[name] = error.message
            }
        }
        return registry
    }

    public subscript(name: String) -> EngineManifest? {
        manifests[name]
    }

    public var names: [String] {
        Set(manifests.keys).union(problems.keys).sorted()
    }

    /// Why `name` cannot run, in words for error.json.
    public func explainMissing(_ name: String) -> String {
        if let problem = problems[name] { return "engine \"\(name)\" is installed but broken: \(problem)" }
        let installed = manifests.keys.sorted().joined(separator: ", ")
        return "unknown engine \"\(name)\" (installed in \(directory): \(installed.isEmpty ? "none" : installed))"
    }
}
