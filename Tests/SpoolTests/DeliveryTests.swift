import AudioSpoolTestKit
import Basics
import Foundation
import Spool
import Testing

@Suite struct DeliveryTests {
    let directory = TemporaryDirectory()
    let spool: Spool

    init() throws {
        spool = Spool(root: directory.path + "/spool")
        try spool.create()
    }

    @Test func aJobFileArrivesWholeAndTmpIsLeftEmpty() throws {
        let entry = try spool.deliver(job: Data(#"{"engine":"tone"}"#.utf8), id: "one")
        #expect(entry == "one.json")
        #expect(try String(contentsOfFile: spool.new + "/one.json", encoding: .utf8) == #"{"engine":"tone"}"#)
        #expect(try FileSystem.list(spool.tmp).isEmpty)
    }

    @Test func aJobWithInputsArrivesAsAFolder() throws {
        let input = directory.write("voice.wav", "RIFF....")
        let entry = try spool.deliver(job: Data("{}".utf8), id: "two", inputs: [("refs/voice.wav", input)])
        #expect(entry == "two")
        #expect(FileSystem.exists(spool.new + "/two/job.json"))
        #expect(FileSystem.exists(spool.new + "/two/refs/voice.wav"))
        #expect(try FileSystem.list(spool.tmp).isEmpty)
    }

    @Test func deliveryNeverReplacesAWaitingJob() throws {
        try spool.deliver(job: Data("first".utf8), id: "same")
        #expect(throws: FileSystemError.self) { try spool.deliver(job: Data("second".utf8), id: "same") }
        #expect(try String(contentsOfFile: spool.new + "/same.json", encoding: .utf8) == "first")
        #expect(try FileSystem.list(spool.tmp).isEmpty, "a failed delivery must not leave its staging file")
    }

    @Test func generatedIDsAreUniqueAndReadable() {
        let ids = (0..<1000).map { _ in Spool.newJobID(base: "tone") }
        #expect(Set(ids).count == ids.count)
        #expect(ids[0].hasPrefix("tone-20"))
        // The date's digits and ten hex digits of randomness.
        let id = Spool.newJobID(base: "piper", date: Date(timeIntervalSince1970: 1_796_309_460.9))
        #expect(id.hasPrefix("piper-20261203T145100-"), "\(id)")
        let random = id.split(separator: "-").last.map(String.init) ?? ""
        #expect(random.count == 10 && random.allSatisfy(\.isHexDigit) && random == random.lowercased())
        #expect(Spool.isJobID(id))
    }

    @Test func locateFindsAJobInAnyFolder() throws {
        try spool.deliver(job: Data("{}".utf8), id: "waiting")
        try FileSystem.createDirectories(spool.done + "/finished")
        #expect(spool.locate("waiting") == .new)
        #expect(spool.locate("finished") == .done)
        #expect(spool.locate("nothing") == nil)
    }
}
