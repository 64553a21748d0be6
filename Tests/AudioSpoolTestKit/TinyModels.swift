import Foundation
import Glibc

/// Tiny random stand-ins for model weights that cannot be downloaded here,
/// built by the scripts in `Tests/Fixtures/Models/` with the engine's own
/// Python (never committed), into a Hugging Face hub cache the engine is
/// pointed at (its config's `hub_cache`, with `offline`).
public enum TinyModels {
    /// The folder of `make_<engine>_model.py`.
    public static var scripts: String { Repository.root + "/Tests/Fixtures/Models" }

    /// A hub cache holding the engine's tiny model(s).
    public static func hubCache(for engine: String) async throws -> String {
        try await builds.cache(for: engine)
    }

    /// Makes the engine's environment with `audiospool engines setup` (as
    /// `make test` does; quick when it is ready) and returns its folder.
    public static func environment(_ engine: String) async throws -> String {
        let result = try await ChildProcess.run(
            Repository.executable, ["engines", "setup", engine, "--engines", Repository.engines])
        // "demucs: ready (/root/.cache/audiospool/venvs/demucs-3fa9…)"
        guard result.status == 0, let line = result.stdout.split(separator: "\n").last(where: { $0.hasPrefix("\(engine): ready (") })
        else { throw SetupFailed(description: "audiospool engines setup \(engine) failed: \(result.summary)") }
        return String(line.dropFirst("\(engine): ready (".count).dropLast())
    }

    public struct SetupFailed: Error, CustomStringConvertible {
        public var description: String
    }

    private static let builds = Builds()

    private actor Builds {
        private var tasks: [String: Task<String, Error>] = [:]

        func cache(for engine: String) async throws -> String {
            if let task = tasks[engine] { return try await task.value }
            let task = Task { try await TinyModels.build(engine) }
            tasks[engine] = task
            return try await task.value
        }
    }

    /// Builds into `~/.cache/audiospool/test-models/<engine>-<hash>`, keyed
    /// by the script and the environment, so a later test run reuses it:
    /// written under a temporary name and renamed into place.
    private static func build(_ engine: String) async throws -> String {
        let environment = try await TinyModels.environment(engine)
        let script = scripts + "/make_\(engine)_model.py"
        let digest = try await ChildProcess.run("/usr/bin/sha256sum", [script])
        guard digest.status == 0 else { throw SetupFailed(description: "cannot read \(script): \(digest.summary)") }
        let key = String(digest.stdout.prefix(12)) + "-" + (environment as NSString).lastPathComponent
        let environmentVariables = ProcessInfo.processInfo.environment
        let cacheHome = environmentVariables["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.cache")
        let root = cacheHome + "/audiospool/test-models"
        let directory = root + "/" + engine + "-" + key
        if FileManager.default.fileExists(atPath: directory) { return directory }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let staging = root + "/.\(engine)-\(key)-\(getpid())"
        try? FileManager.default.removeItem(atPath: staging)
        let result = try await ChildProcess.run(environment + "/bin/python", [script, staging])
        guard result.status == 0 else {
            try? FileManager.default.removeItem(atPath: staging)
            throw SetupFailed(description: "\(script) failed: \(result.summary)")
        }
        // Another test process may have finished first; either copy will do.
        if rename(staging, directory) != 0 { try? FileManager.default.removeItem(atPath: staging) }
        return directory
    }
}
