import AudioSpoolTestKit
import Basics
import EngineHost
import EngineProtocol
import Foundation
import Testing

@Suite(.timeLimit(.minutes(3))) struct ManifestTests {
    func parse(_ json: String, folder: String = "/engines/demo") throws(DocumentError) -> EngineManifest {
        try EngineManifest.parse(Data(json.utf8), directory: folder)
    }

    @Test func theToneManifestIsValid() throws {
        let manifest = try EngineManifest.load(directory: Repository.engines + "/tone")
        #expect(manifest.name == "tone")
        #expect(manifest.defaultTask == "tone")
        #expect(manifest.tasks["tts"]?.text == .required)
        #expect(manifest.device == .cpu)
    }

    @Test func aSingleTaskIsTheDefault() throws {
        let manifest = try parse(#"{"command": ["x"], "tasks": {"separate": {"inputs": {"audio": "required"}}}}"#)
        #expect(manifest.defaultTask == "separate")
        #expect(manifest.tasks["separate"]?.inputs == ["audio": .required])
    }

    @Test(arguments: [
        (#"{"tasks": {"a": {}}}"#, "field \"command\" must list the program"),
        (#"{"command": "python3 x.py", "tasks": {"a": {}}}"#, "field \"command\" must be an array"),
        (#"{"command": ["x"], "tasks": {}}"#, "field \"tasks\" must name at least one task"),
        (#"{"command": ["x"], "tasks": {"a": {}, "b": {}}, "default_task": "c"}"#, "\"default_task\" is \"c\", which is not one of its tasks"),
        (#"{"name": "other", "command": ["x"], "tasks": {"a": {}}}"#, "but the engine's folder is \"demo\""),
        (#"{"command": ["x"], "tasks": {"a": {}}, "device": "tpu"}"#, "must be cpu, gpu or gpu-preferred"),
        (#"{"command": ["x"], "tasks": {"a": {"text": "maybe"}}}"#, "must be none, optional or required"),
        (#"{"command": ["x"], "tasks": {"a": {}}, "protocol": 2}"#, "protocol 2 is not supported"),
        (#"{"command": ["x"], "tasks": {"a": {}}, "comand": ["y"]}"#, "unknown field \"comand\""),
    ])
    func brokenManifestsSayWhatIsWrong(json: String, message: String) {
        do throws(DocumentError) {
            _ = try parse(json)
            Issue.record("accepted: \(json)")
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test func theRegistryReportsBrokenEnginesAndKeepsTheRest() {
        let registry = EngineRegistry.load(directory: Repository.fixtureEngines)
        #expect(registry["ok"] != nil)
        #expect(registry["broken-manifest"] == nil)
        #expect(registry.problems["broken-manifest"]?.contains("command") == true)
        #expect(registry.explainMissing("broken-manifest").contains("installed but broken"))
    }

    @Test func foldersWithoutAManifestAreNotEngines() {
        let registry = EngineRegistry.load(directory: Repository.engines)
        #expect(registry["sdk"] == nil)
        #expect(registry.problems.isEmpty)
    }
}
