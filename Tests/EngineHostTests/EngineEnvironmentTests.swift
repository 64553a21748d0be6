import AudioSpoolTestKit
import Basics
import EngineHost
import EngineProtocol
import Foundation
import Testing

@Suite(.timeLimit(.minutes(3))) struct EngineEnvironmentTests {
    let root = TemporaryDirectory()

    @Test func anEngineRunsInItsOwnEnvironmentMadeOnFirstStart() async throws {
        let manifest = try EngineManifest.load(directory: Repository.fixtureEngines + "/with-setup")
        let environment = try #require(EngineEnvironment(manifest: manifest, root: root.path))
        #expect(!environment.isReady)

        var options = EngineProcess.Options()
        options.environmentsRoot = root.path
        let first = EngineProcess(manifest: manifest, options: options)
        let info = try await first.start()
        await first.shutdown()
        // The engine reports its interpreter's sys.prefix as its version.
        #expect(info.version == environment.directory)
        #expect(environment.isReady)

        let made = try FileManager.default.attributesOfItem(atPath: environment.directory + "/bin")[.modificationDate] as? Date
        let second = EngineProcess(manifest: manifest, options: options)
        #expect(try await second.start().version == environment.directory)
        await second.shutdown()
        let after = try FileManager.default.attributesOfItem(atPath: environment.directory + "/bin")[.modificationDate] as? Date
        #expect(made == after, "a ready environment is not made again")
    }

    @Test func changedRequirementsGetAFreshEnvironment() throws {
        let engines = TemporaryDirectory()
        let manifest = #"{"command": ["python3", "e.py"], "tasks": {"t": {}}, "setup": {"python_requirements": "requirements.txt"}}"#
        engines.write("e/engine.json", manifest)
        engines.write("e/requirements.txt", "six==1.16.0\n")
        let before = try #require(EngineEnvironment(manifest: EngineManifest.load(directory: engines.file("e")), root: root.path))
        engines.write("e/requirements.txt", "six==1.17.0\n")
        let after = try #require(EngineEnvironment(manifest: EngineManifest.load(directory: engines.file("e")), root: root.path))
        #expect(before.directory != after.directory)
        #expect(before.directory.hasPrefix(root.path + "/e-"))
    }

    @Test func enginesWithoutSetupNeedNoEnvironment() throws {
        let manifest = try EngineManifest.load(directory: Repository.engines + "/tone")
        #expect(EngineEnvironment(manifest: manifest) == nil)
    }

    @Test func theRequirementsFileMustBeInTheEnginesFolder() {
        #expect(throws: DocumentError.self) {
            try EngineManifest.parse(
                Data(#"{"command": ["x"], "tasks": {"t": {}}, "setup": {"python_requirements": "../r.txt"}}"#.utf8), directory: "/e/x")
        }
    }
}
