import AudioSpoolTestKit
import Foundation
import Glibc
import Spool
import Testing

@Suite struct VoiceBankTests {
    let directory = TemporaryDirectory()
    var bank: VoiceBank { VoiceBank(root: directory.path + "/voices") }

    func recording(_ name: String = "a.wav") throws -> String {
        let path = directory.file(name)
        try Data("RIFF".utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func namesThatAreNotOnePlainComponentAreRefused() throws {
        for bad in ["", ".", "..", ".hidden", "a/b", "../up", "nul\0", "tab\t", String(repeating: "x", count: 65)] {
            #expect(!VoiceBank.isName(bad), "\(bad.debugDescription)")
            #expect(throws: VoiceBankError.self) { try bank.add(bad, engine: "xtts", wav: try recording()) }
        }
        #expect(throws: VoiceBankError.self) { try bank.add("ok", engine: "../x", wav: try recording()) }
        #expect(VoiceBank.isName("Anna-2 (calm)"))
        #expect(bank.names(engine: "xtts").isEmpty)
    }

    @Test func aVoiceIsAddedWholeNeverReplacedAndRemoved() throws {
        try bank.add("anna", engine: "xtts", wav: try recording())
        #expect(FileManager.default.fileExists(atPath: bank.folder(engine: "xtts", voice: "anna") + "/" + VoiceBank.referenceName))
        #expect(throws: VoiceBankError.self) { try bank.add("anna", engine: "xtts", wav: try recording()) }
        #expect(bank.names(engine: "xtts") == ["anna"], "no staging folder is left or listed")
        #expect(try FileManager.default.contentsOfDirectory(atPath: bank.folder(engine: "xtts")) == ["anna"])
        try bank.remove("anna", engine: "xtts")
        #expect(bank.names(engine: "xtts").isEmpty)
        #expect(throws: VoiceBankError.self) { try bank.remove("anna", engine: "xtts") }
    }

    @Test func symlinksInTheBankAreNeitherListedNorRemovedThrough() throws {
        let outside = directory.path + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: outside + "/keep"))
        try FileManager.default.createDirectory(atPath: bank.folder(engine: "xtts"), withIntermediateDirectories: true)
        #expect(symlink(outside, bank.folder(engine: "xtts", voice: "sneaky")) == 0)
        #expect(bank.names(engine: "xtts").isEmpty)
        #expect(throws: VoiceBankError.self) { try bank.remove("sneaky", engine: "xtts") }
        #expect(FileManager.default.fileExists(atPath: outside + "/keep"))
    }
}
