import Crypto
import Foundation
import Glibc
import Subprocess
import SystemPackage

/// An engine's own Python virtual environment, made from the requirements
/// file its manifest names. It lives outside the engine's folder, under
/// `$AUDIOSPOOL_VENVS` (default `~/.cache/audiospool/venvs`), in a folder
/// named by the requirements' hash: an unchanged engine is set up once per
/// host, a changed one gets a fresh environment, and CI can keep them.
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
        let requirements = FileManager.default.contents(atPath: manifest.directory + "/" + setup.pythonRequirements) ?? Data()
        let hash = SHA256.hash(data: requirements).prefix(8).map { String(format: "%02x", $0) }.joined()
        directory = root + "/" + manifest.name + "-" + hash
    }

    public static var defaultRoot: String {
        let environment = ProcessInfo.processInfo.environment
        if let root = environment["AUDIOSPOOL_VENVS"], !root.isEmpty { return root }
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.cache")
        return cache + "/audiospool/venvs"
    }

    public var python: String { directory + "/bin/python" }
    /// Written last, so a half-made environment is never used.
    var readyMarker: String { directory + "/.audiospool-ready" }

    public var isReady: Bool {
        FileManager.default.fileExists(atPath: readyMarker)
    }

    /// Makes the environment if it is not ready; quick when it is. Holds a
    /// lock while it works, so supervisors on one host never race on it.
    /// Output from venv and pip goes to `log`.
    public func prepare(log: FileDescriptor) async throws(EngineError) {
        if isReady { return }
        try FileManager.default.createDirectoryIfPossible(atPath: (directory as NSString).deletingLastPathComponent)
        let lock = open(directory + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o666)
        guard lock >= 0 else {
            throw EngineError(.transient, "cannot create \(directory).lock: \(Errno(rawValue: errno))")
        }
        defer { close(lock) }
        // Blocks while another process sets the same environment up.
        while flock(lock, LOCK_EX) != 0 && errno == EINTR {}
        if isReady { return }
        try? FileManager.default.removeItem(atPath: directory)  // a half-made one
        let requirements = manifest.directory + "/" + setup.pythonRequirements
        guard FileManager.default.fileExists(atPath: requirements) else {
            throw EngineError(.internal, "engine \(manifest.name) names \(setup.pythonRequirements) in its setup, but there is no such file")
        }
        try await step("python3 -m venv", .name("python3"), ["-m", "venv", directory], log: log)
        try await step(
            "pip install -r \(setup.pythonRequirements)", .path(FilePath(python)),
            ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-r", requirements], log: log)
        guard FileManager.default.createFile(atPath: readyMarker, contents: Data(Date().description.utf8)) else {
            throw EngineError(.transient, "cannot write \(readyMarker)")
        }
    }

    private func step(_ what: String, _ executable: Executable, _ arguments: [String], log: FileDescriptor) async throws(EngineError) {
        let outcome: ExecutionResult<Void, FileDescriptorOutput, FileDescriptorOutput>
        do {
            outcome = try await Subprocess.run(
                executable, arguments: Arguments(arguments), workingDirectory: FilePath(manifest.directory),
                output: .fileDescriptor(log, closeAfterSpawningProcess: false),
                error: .fileDescriptor(log, closeAfterSpawningProcess: false))
        } catch {
            throw EngineError(.transient, "setting up engine \(manifest.name): \(what) could not run: \(error)")
        }
        guard outcome.terminationStatus.isSuccess else {
            throw EngineError(
                .transient,
                "setting up engine \(manifest.name): \(what) failed (\(outcome.terminationStatus)); its output is in the engine's log")
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
