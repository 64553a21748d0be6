import Basics
import Crypto
import Foundation
import Glibc
import Subprocess
import Synchronization
import SystemPackage

/// An engine's own Python virtual environment, installed from the lock its
/// manifest names (`setup.python_lock`, made by `audiospool engines lock`):
/// every package at one version, checked against its hash. It lives outside
/// the engine's folder, under `$AUDIOSPOOL_VENVS` (default
/// `~/.cache/audiospool/venvs`), in a folder named by the lock's hash: an
/// unchanged engine is set up once per host, a new lock gets a fresh
/// environment, and CI can keep them. An engine without a lock is installed
/// from its requirements file, named by that file's hash.
public struct EngineEnvironment: Sendable {
    public let manifest: EngineManifest
    public let setup: EngineManifest.Setup
    /// `<root>/<engine>-<hash>`.
    public let directory: String

    /// Nil when the engine needs no environment.
    public init?(manifest: EngineManifest, root: String = EngineEnvironment.defaultRoot) {
        guard let setup = manifest.setup else { return nil }
        self.manifest = manifest
        self.setup = setup
        let source = manifest.directory + "/" + (setup.pythonLock ?? setup.pythonRequirements)
        let hash = SHA256.hash(data: FileManager.default.contents(atPath: source) ?? Data()).prefix(8).hexString
        directory = root + "/" + manifest.name + "-" + hash
    }

    public static var defaultRoot: String {
        if let root = ProcessInfo.processInfo.environment["AUDIOSPOOL_VENVS"], !root.isEmpty { return root }
        return cacheDirectory + "/audiospool/venvs"
    }

    /// `$XDG_CACHE_HOME`, else `~/.cache`.
    public static var cacheDirectory: String {
        ProcessInfo.processInfo.environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.cache")
    }

    public var python: String { directory + "/bin/python" }
    public var lockFile: String? { setup.pythonLock.map { manifest.directory + "/" + $0 } }
    /// Environments this process has held to their lock, so that only the
    /// first start of an engine pays for `pip freeze`.
    private static let verified = Mutex<Set<String>>([])
    /// Written last, so a half-made environment is never used.
    var readyMarker: String { directory + "/.audiospool-ready" }

    public var isReady: Bool {
        FileManager.default.fileExists(atPath: readyMarker)
    }

    /// Makes the environment if it is not ready, or if what is installed
    /// differs from the lock (checked once per process); quick otherwise.
    /// Holds a lock while it works, so supervisors on one host never race
    /// on it. Output from venv and pip goes to `log`.
    public func prepare(log: FileDescriptor) async throws(EngineError) {
        if isReady && (lockFile == nil || Self.verified.withLock { $0.contains(directory) }) { return }
        try FileManager.default.createDirectoryIfPossible(atPath: (directory as NSString).deletingLastPathComponent)
        let lock = open(directory + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o666)
        guard lock >= 0 else {
            throw EngineError(.transient, "cannot create \(directory).lock: \(Errno(rawValue: errno))")
        }
        defer { close(lock) }
        // Blocks while another process sets the same environment up.
        while flock(lock, LOCK_EX) != 0 && errno == EINTR {}
        if isReady {
            guard lockFile != nil else { return }
            let differences = await differencesFromLock()
            if differences.isEmpty {
                _ = Self.verified.withLock { $0.insert(directory) }
                return
            }
            // Changed by hand, or left half-updated: the lock, not the
            // folder, says what the engine was tested with.
            note("\(directory) differs from \(setup.pythonLock!) (\(Self.summary(differences))); making it again", log: log)
        }
        try? FileManager.default.removeItem(atPath: directory)  // a half-made or stale one
        let source = setup.pythonLock ?? setup.pythonRequirements
        guard FileManager.default.fileExists(atPath: manifest.directory + "/" + source) else {
            throw EngineError(.internal, "engine \(manifest.name) names \(source) in its setup, but there is no such file")
        }
        try await step("python3 -m venv", .name("python3"), ["-m", "venv", directory], log: log)
        let pip = ["-m", "pip", "--disable-pip-version-check", "--no-input"]
        if let lockName = setup.pythonLock {
            // venv brings setuptools along on older Pythons; the lock says
            // whether the engine has it, and which.
            try await step("pip uninstall setuptools", .path(FilePath(python)), pip + ["uninstall", "-q", "-y", "setuptools"], log: log)
            // The lock is complete, so pip resolves nothing and installs
            // only files whose hash it lists.
            try await step(
                "pip install -r \(lockName)", .path(FilePath(python)),
                pip + ["install", "--no-deps", "--require-hashes", "-r", lockFile!], log: log)
            let differences = await differencesFromLock()
            guard differences.isEmpty else {
                throw EngineError(
                    .internal,
                    "setting up engine \(manifest.name): installed from \(lockName), the environment still differs from it: \(Self.summary(differences))")
            }
        } else {
            try await step(
                "pip install -r \(setup.pythonRequirements)", .path(FilePath(python)),
                pip + ["install", "-r", manifest.directory + "/" + setup.pythonRequirements], log: log)
        }
        guard FileManager.default.createFile(atPath: readyMarker, contents: Data(Date().description.utf8)) else {
            throw EngineError(.transient, "cannot write \(readyMarker)")
        }
        _ = Self.verified.withLock { $0.insert(directory) }
    }

    private func note(_ line: String, log: FileDescriptor) {
        _ = try? log.writeAll(Array("audiospool: \(line)\n".utf8))
    }

    static func summary(_ differences: [String]) -> String {
        differences.prefix(5).joined(separator: "; ") + (differences.count > 5 ? "; and \(differences.count - 5) more" : "")
    }

    private func step(_ what: String, _ executable: Executable, _ arguments: [String], log: FileDescriptor) async throws(EngineError) {
        try await Self.run(what, executable, arguments, in: manifest.directory, log: log, engine: manifest.name)
    }

    /// Runs one setup step with its output in `log`; a failure says which.
    static func run(
        _ what: String, _ executable: Executable, _ arguments: [String], in directory: String?,
        environment: Environment = .inherit, log: FileDescriptor, engine: String
    ) async throws(EngineError) {
        let outcome: ExecutionResult<Void, FileDescriptorOutput, FileDescriptorOutput>
        do {
            outcome = try await Subprocess.run(
                executable, arguments: Arguments(arguments), environment: environment,
                workingDirectory: directory.map { FilePath($0) },
                output: .fileDescriptor(log, closeAfterSpawningProcess: false),
                error: .fileDescriptor(log, closeAfterSpawningProcess: false))
        } catch {
            throw EngineError(.transient, "setting up engine \(engine): \(what) could not run: \(error)")
        }
        guard outcome.terminationStatus.isSuccess else {
            throw EngineError(
                .transient,
                "setting up engine \(engine): \(what) failed (\(outcome.terminationStatus)); its output is in the engine's log")
        }
    }
}

extension FileManager {
    fileprivate func createDirectoryIfPossible(atPath path: String) throws(EngineError) {
        do {
            try createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw EngineError(.transient, "cannot create \(path): \(error.localizedDescription)")
        }
    }
}
