import Basics
import Foundation
import Testing

@Suite struct FileSystemTests {
    @Test func anAtomicWriteLeavesOnlyTheFile() throws {
        let folder = try temporaryFolder()
        defer { try? FileSystem.removeTree(folder) }
        try FileSystem.writeAtomically(Data("one".utf8), to: folder + "/status.json")
        try FileSystem.writeAtomically(Data("two".utf8), to: folder + "/status.json", durable: true)
        #expect(try FileSystem.list(folder) == ["status.json"])
        #expect(try FileSystem.read(folder + "/status.json", limit: 100) == Data("two".utf8))
    }

    @Test func aFailedAtomicWriteLeavesNoTemporary() throws {
        let folder = try temporaryFolder()
        defer { try? FileSystem.removeTree(folder) }
        // Renaming a file over a folder fails, after the temporary was written.
        try FileSystem.createDirectories(folder + "/taken/inside")
        #expect(throws: FileSystemError.self) { try FileSystem.writeAtomically(Data("x".utf8), to: folder + "/taken") }
        #expect(try FileSystem.list(folder) == ["taken"])
    }
}

@Suite struct HexTests {
    @Test func bytesAreTwoLowercaseDigitsEach() {
        #expect([UInt8]().hexString == "")
        #expect([0x00, 0x0f, 0xab, 0xff].hexString == "000fabff")
        let bytes = (0...255).map(UInt8.init)
        #expect(bytes.hexString == bytes.map { String(format: "%02x", $0) }.joined())
    }
}

@Suite struct JSONEncoderDocumentsTests {
    struct Sample: Encodable { var path = "a/b"; var b = 1; var a = 2 }

    @Test func documentsAreIndentedSortedAndKeepSlashes() throws {
        let text = String(decoding: try JSONEncoder.document().encode(Sample()), as: UTF8.self)
        #expect(text == "{\n  \"a\" : 2,\n  \"b\" : 1,\n  \"path\" : \"a/b\"\n}")
    }

    @Test func linesAreCompact() throws {
        let sorted = String(decoding: try JSONEncoder.line(sortedKeys: true).encode(Sample()), as: UTF8.self)
        #expect(sorted == #"{"a":2,"b":1,"path":"a/b"}"#)
        let line = String(decoding: try JSONEncoder.line().encode(["p": "a/b"]), as: UTF8.self)
        #expect(line == #"{"p":"a/b"}"#)
    }
}
