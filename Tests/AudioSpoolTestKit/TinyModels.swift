import Foundation

/// Tiny random stand-ins for model weights that cannot be downloaded here,
/// built once per test process by the scripts in `Tests/Fixtures/Models/`
/// with the engine's own Python, into a Hugging Face hub cache the engine
/// is pointed at (its config's `hub_cache`, with `offline`).
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
        // Kept for the whole test process: tests in parallel share one build.
        private let root = TemporaryDirectory(prefix: "audiospool-models")
        private var tasks: [String: Task<String, Error>] = [:]

        func cache(for engine: String) async throws -> String {
            if let task = tasks[engine] { return try await task.value }
            let directory = root.path + "/" + engine
            let task = Task {
                let environment = try await TinyModels.environment(engine)
                let script = TinyModels.scripts + "/make_\(engine)_model.py"
                let result = try await ChildProcess.run(environment + "/bin/python", [script, directory])
                guard result.status == 0 else {
                    throw SetupFailed(description: "\(script) failed: \(result.summary)")
                }
                return directory
            }
            tasks[engine] = task
            return try await task.value
        }
    }
}
