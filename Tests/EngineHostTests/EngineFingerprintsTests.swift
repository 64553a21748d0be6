import AudioSpoolTestKit
import EngineHost
import Foundation
import Testing

/// How hot reload tells that an engine folder changed.
@Suite struct EngineFingerprintsTests {
    func engine(_ directory: TemporaryDirectory, _ name: String, manifest: String = #"{"command": ["x"], "tasks": {"t": {}}}"#) {
        directory.write(name + "/engine.json", manifest)
        directory.write(name + "/model.py", "print('v1')\n")
    }

    @Test func seesAddedChangedAndRemovedEnginesOnly() throws {
        let directory = TemporaryDirectory()
        engine(directory, "a")
        engine(directory, "b")
        directory.write("sdk/audiospool_engine.py", "# not an engine: no engine.json\n")
        let first = EngineFingerprints.scan(directory.path)
        #expect(Set(first.engines.keys) == ["a", "b"])
        #expect(EngineFingerprints.scan(directory.path) == first, "nothing changed")

        directory.write("a/model.py", "print('version two')\n")  // a different size
        engine(directory, "c")
        try FileManager.default.removeItem(atPath: directory.file("b"))
        #expect(EngineFingerprints.scan(directory.path).changes(since: first) == ["a", "b", "c"])
    }

    @Test func aNewModificationTimeIsAChangeButHiddenFilesAndBytecodeAreNot() throws {
        let directory = TemporaryDirectory()
        engine(directory, "a")
        let first = EngineFingerprints.scan(directory.path)
        directory.write("a/.engine.json.tmp", "half-written")
        directory.write("a/__pycache__/model.cpython-311.pyc", "bytecode")
        #expect(EngineFingerprints.scan(directory.path) == first)

        let later = Date().addingTimeInterval(60)
        try FileManager.default.setAttributes([.modificationDate: later], ofItemAtPath: directory.file("a/model.py"))
        #expect(EngineFingerprints.scan(directory.path).changes(since: first) == ["a"])
    }
}
