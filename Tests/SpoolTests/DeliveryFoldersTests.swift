import AudioSpoolTestKit
import Basics
import Foundation
import Spool
import Testing

/// `DeliveryFolders`: deliveries relative to `tmp/` and `new/` held open
/// (serve's), which must behave as a delivery by path does: never replace
/// a waiting job, leave nothing in `tmp/`, record the event, and keep
/// working when the spool's folders are made again under the same paths.
@Suite struct DeliveryFoldersTests {
    let directory = TemporaryDirectory()
    let spool: Spool

    init() throws {
        spool = Spool(root: directory.path + "/spool")
        try spool.create()
    }

    @Test func aDeliveryLandsInNewWithItsChangeTimeAndItsEvent() throws {
        let folders = DeliveryFolders(spool: spool)
        let job = Data(#"{"engine":"tone"}"#.utf8)
        let first = try folders.deliver(job: job, id: "one", durable: true)
        let second = try folders.deliver(job: job, id: "two", durable: false)
        #expect(first.entry == "one.json" && second.entry == "two.json")
        #expect(try Data(contentsOf: URL(fileURLWithPath: spool.path(of: .new, "one.json"))) == job)
        #expect(first.arrived == FileSystem.info(spool.path(of: .new, "one.json"))?.changed)
        #expect(try FileSystem.list(spool.tmp).isEmpty)
        let submitted = spool.events.read().filter { $0.event == .submitted }
        #expect(submitted.map(\.job) == ["one", "two"] && submitted.first?.entry == "one.json")
    }

    @Test func aWaitingJobIsNeverReplaced() throws {
        let folders = DeliveryFolders(spool: spool)
        _ = try folders.deliver(job: Data("first".utf8), id: "same", durable: true)
        let error = #expect(throws: FileSystemError.self) { try folders.deliver(job: Data("second".utf8), id: "same", durable: true) }
        #expect(error?.errno == .fileExists)
        #expect(try Data(contentsOf: URL(fileURLWithPath: spool.path(of: .new, "same.json"))) == Data("first".utf8))
        #expect(try FileSystem.list(spool.tmp).isEmpty, "the staged copy is removed")
    }

    @Test func foldersMadeAgainWhileHeldAreOpenedAgain() throws {
        let folders = DeliveryFolders(spool: spool)
        _ = try folders.deliver(job: Data("{}".utf8), id: "before", durable: true)
        // The spool's folders removed and made again: the held ones are deleted folders now.
        try FileSystem.removeTree(spool.tmp)
        try FileSystem.removeTree(spool.new)
        try spool.create()
        let after = try folders.deliver(job: Data("{}".utf8), id: "after", durable: true)
        #expect(FileSystem.info(spool.path(of: .new, after.entry))?.type == .regular)
        #expect(try FileSystem.list(spool.new) == ["after.json"])
    }

    @Test func aSpoolWithoutItsFoldersIsAClearError() throws {
        try FileSystem.removeTree(spool.tmp)
        let error = #expect(throws: FileSystemError.self) { try DeliveryFolders(spool: spool).deliver(job: Data("{}".utf8), id: "x", durable: true) }
        #expect(error?.description.contains("/tmp") == true, "\(String(describing: error))")
    }
}
