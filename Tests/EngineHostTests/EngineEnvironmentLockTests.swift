import AudioSpoolTestKit
import EngineHost
import Foundation
import SystemPackage
import Testing

/// Environments hold exactly what their lock says, and are made again when
/// they do not.
@Suite(.timeLimit(.minutes(60))) struct EngineEnvironmentLockTests {
    /// The real environments, as `make test` sets them up: `pip freeze`
    /// has every package of the lock at its version, and nothing else.
    @Test(arguments: ["piper", "demucs", "xtts"])
    func anEnginesEnvironmentHoldsExactlyItsLock(engine: String) async throws {
        let directory = try await TinyModels.environment(engine)
        let manifest = try EngineManifest.load(directory: Repository.engines + "/" + engine)
        let environment = try #require(EngineEnvironment(manifest: manifest))
        #expect(environment.directory == directory)
        let lockFile = try #require(environment.lockFile)
        let lock = try #require(RequirementsLock.load(lockFile))
        let installed = try #require(await environment.installedPackages(), "pip freeze failed in \(directory)")
        #expect(lock.differences(from: installed) == [], "\(directory)")
        #expect(installed == lock.pins)
    }

    static let six116 = """
        six==1.16.0 \\
            --hash=sha256:1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926 \\
            --hash=sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254

        """
    static let six117 = """
        six==1.17.0 \\
            --hash=sha256:4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274 \\
            --hash=sha256:ff70335d468e7eb6ec65b95b99d3a2836546063f63acc5171de367e834932a81

        """

    /// An engine `e` needing `six`, locked by `lock`, in its own engines folder.
    func sixEngine(lock: String) -> TemporaryDirectory {
        let engines = TemporaryDirectory()
        engines.write(
            "e/engine.json",
            #"{"command": ["python3", "e.py"], "tasks": {"t": {}}, "setup": {"python_requirements": "requirements.txt", "python_lock": "requirements.lock"}}"#)
        engines.write("e/requirements.txt", "six\n")
        engines.write("e/requirements.lock", lock)
        return engines
    }

    /// An environment set up from an older lock, found under the new lock's
    /// name (as on a warm CI cache), and one changed by hand: `engines
    /// setup`, a new process each time, makes both again from the lock.
    @Test func aStaleOrChangedEnvironmentIsMadeAgainFromItsLock() async throws {
        let engines = sixEngine(lock: Self.six116)
        let venvs = TemporaryDirectory()
        let old = try #require(EngineEnvironment(manifest: EngineManifest.load(directory: engines.file("e")), root: venvs.path))
        try await old.prepare(log: .standardError)
        #expect(await old.installedPackages() == ["six": "1.16.0"])

        engines.write("e/requirements.lock", Self.six117)
        let new = try #require(EngineEnvironment(manifest: EngineManifest.load(directory: engines.file("e")), root: venvs.path))
        #expect(new.directory != old.directory, "a new lock, a new environment")
        try FileManager.default.moveItem(atPath: old.directory, toPath: new.directory)
        #expect(new.isReady)

        let setup = { () async throws -> ChildProcess.Result in
            try await ChildProcess.run(
                Repository.executable, ["engines", "setup", "e", "--engines", engines.path], environment: ["AUDIOSPOOL_VENVS": venvs.path])
        }
        let rebuilt = try await setup()
        #expect(rebuilt.status == 0, "\(rebuilt.summary)")
        #expect(rebuilt.stderr.contains("differs from requirements.lock (six is 1.16.0, the lock says 1.17.0)"), "\(rebuilt.summary)")
        #expect(await new.installedPackages() == ["six": "1.17.0"])

        let again = try await setup()
        #expect(again.status == 0 && !again.stderr.contains("differs"), "an environment that matches is kept: \(again.summary)")

        let uninstall = try await ChildProcess.run(new.python, ["-m", "pip", "uninstall", "-q", "-y", "six"])
        #expect(uninstall.status == 0, "\(uninstall.summary)")
        let repaired = try await setup()
        #expect(repaired.stderr.contains("(six 1.17.0 is missing)"), "\(repaired.summary)")
        #expect(await new.installedPackages() == ["six": "1.17.0"])
    }

    @Test func aLockThatDoesNotPinEverythingFailsTheSetup() async throws {
        let engines = sixEngine(lock: "six==1.17.0\n")
        let venvs = TemporaryDirectory()
        let environment = try #require(EngineEnvironment(manifest: EngineManifest.load(directory: engines.file("e")), root: venvs.path))
        await #expect(throws: EngineError.self) { try await environment.prepare(log: .standardError) }
        #expect(!environment.isReady)
    }
}
