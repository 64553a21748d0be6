import Foundation
import Leases
import Subprocess
import SystemPackage

/// `audiospool engines lock`: an engine's requirements made exact, every
/// package (transitive ones too) at one version with its hashes, by uv's
/// `pip compile --generate-hashes`. uv itself is pinned and installed from
/// its own hashes into a tool environment, so two hosts make the same lock.
public struct LockTool: Sendable {
    public static let uvVersion = "0.13.9"
    /// `uv pip compile --generate-hashes` of `uv==0.13.9`. To move to
    /// another uv: change both, and run that command with the new uv.
    static let uvLock = """
        uv==0.13.9 \\
            --hash=sha256:16963d19594e18d746a70c7fce82237bde4f2cac4cfcf0ca2b84796fe9d0c6e9 \\
            --hash=sha256:2c45530751517d6c3bbc69a19473f6effe47cce047bede01ffd8af7ea7b36b25 \\
            --hash=sha256:3eeeb51a267a2144640fcd8f38d4a2f63439b39bc47445fd84727c3fc462c843 \\
            --hash=sha256:5435c5ce14a56431208ca0996416d310f1598e8c2c8ba707688985a16bb82dbe \\
            --hash=sha256:56ec37616c00220032fc7b8c9d0ef51367fd0d70d9cd6ddd841660f949f84fed \\
            --hash=sha256:66c512266d633bef48384a1f53003f41f2a8e7b36fe6e7fbfd3e0fd52d96fa63 \\
            --hash=sha256:6a44b2ed8111d2f60d2b92627c5dccda3f7ed7570b18ce115e569cd68c28246b \\
            --hash=sha256:6b0c7b9f47a5d011939d61e324d3fe18a8bc155d8dd53add738709a92f290a7c \\
            --hash=sha256:6d5114bba238adddacb32fb11904f2b3ff4e988f8e9ff0d8d3b5e9822cf836b8 \\
            --hash=sha256:7ec1e1dd9b6cb335c301afdf877989df384227313981850755a59561f75e4ab8 \\
            --hash=sha256:a2ee66fe8b6608e1482ab1bde5799da04705c1cb40324c7f66054ecf46ae6e40 \\
            --hash=sha256:a6e845f387e4ed55bb59342957a9179e24a631fcc7668bda3426ae1cef8ed4b9 \\
            --hash=sha256:c16ed11e013557536b3e60065f1b912f6407bd6518e041b961e23ef9e6b4fbf5 \\
            --hash=sha256:c5dbdb7c8737cd183a9dce95b39cfd1f3d54ec2a27a1bb58f160293f9ba2c805 \\
            --hash=sha256:d7f459fe4fd247d830351c75686d3996ace3c6f3f728eb0e85a30b7ada0cef19 \\
            --hash=sha256:db5c8df7145c21ffea9c0f74e38823bac3af60cbadf0e26b8633f08627b17bab \\
            --hash=sha256:dd6f4f93ddf8a668c73f0945f3638444b2140a4e15a3912067493fc6335543e4 \\
            --hash=sha256:ecb6028d79dc96fbeafffe5c8af62a7099487ebc05a701e76714eebcffd06375 \\
            --hash=sha256:eeb92051c2123b9730c46b04cc843cfa4bc7d7b0aec56df431a2215ef4cb0273

        """

    /// `<cache>/audiospool/tools/uv-<version>`.
    public let directory: String

    public init(root: String = LockTool.defaultRoot) {
        directory = root + "/uv-" + Self.uvVersion
    }

    public static var defaultRoot: String { EngineEnvironment.cacheDirectory + "/audiospool/tools" }

    var uv: String { directory + "/bin/uv" }
    var readyMarker: String { directory + "/.audiospool-ready" }

    /// Writes `setup.python_lock` from `setup.python_requirements`. Versions
    /// already in the lock are kept, except those of `upgrading` (package
    /// names, or all when `upgradingAll`). Tools' output goes to `log`.
    public func lock(
        _ manifest: EngineManifest, upgrading: [String] = [], upgradingAll: Bool = false, log: FileDescriptor
    ) async throws(EngineError) {
        guard let setup = manifest.setup else {
            throw EngineError(.badInput, "engine \(manifest.name) has no setup in its engine.json: there is nothing to lock")
        }
        guard let lockName = setup.pythonLock else {
            throw EngineError(
                .badInput,
                "engine \(manifest.name) has no setup.python_lock in its engine.json; add \"python_lock\": \"requirements.lock\" beside \"python_requirements\"")
        }
        guard let python3 = GPUDiscovery.findInPath("python3") else {
            throw EngineError(.internal, "python3 is not in PATH: the lock is made for the Python the environments use")
        }
        try await prepare(log: log)
        var arguments = [
            "pip", "compile", setup.pythonRequirements, "--output-file", lockName, "--generate-hashes", "--emit-find-links",
            "--python", python3, "--quiet",
        ]
        if upgradingAll { arguments.append("--upgrade") }
        for name in upgrading { arguments += ["--upgrade-package", name] }
        // The lock's header says how to make it again.
        let environment = Environment.inherit.updating(["UV_CUSTOM_COMPILE_COMMAND": "audiospool engines lock \(manifest.name)"])
        try await EngineEnvironment.run(
            "uv pip compile \(setup.pythonRequirements)", .path(FilePath(uv)), arguments, in: manifest.directory,
            environment: environment, log: log, engine: manifest.name)
    }

    /// Installs the pinned uv, from its hashes, once per host.
    func prepare(log: FileDescriptor) async throws(EngineError) {
        if FileManager.default.fileExists(atPath: readyMarker) { return }
        try? FileManager.default.removeItem(atPath: directory)
        let requirements = directory + ".requirements.lock"
        do {
            try FileManager.default.createDirectory(atPath: (directory as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(Self.uvLock.utf8).write(to: URL(fileURLWithPath: requirements))
        } catch {
            throw EngineError(.transient, "cannot write \(requirements): \(error.localizedDescription)")
        }
        let python = directory + "/bin/python"
        try await EngineEnvironment.run(
            "python3 -m venv", .name("python3"), ["-m", "venv", directory], in: nil, log: log, engine: "uv")
        try await EngineEnvironment.run(
            "pip install uv==\(Self.uvVersion)", .path(FilePath(python)),
            ["-m", "pip", "--disable-pip-version-check", "--no-input", "install", "--no-deps", "--require-hashes", "-r", requirements],
            in: nil, log: log, engine: "uv")
        guard FileManager.default.createFile(atPath: readyMarker, contents: Data(Date().description.utf8)) else {
            throw EngineError(.transient, "cannot write \(readyMarker)")
        }
    }
}
