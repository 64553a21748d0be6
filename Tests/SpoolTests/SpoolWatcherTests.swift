import AudioSpoolTestKit
import Basics
import Foundation
import Glibc
import Spool
import Synchronization
import Testing

@Suite struct SpoolWatcherTests {
    @Test func reportsRenamesCreatesAndCloses() async throws {
        let directory = TemporaryDirectory()
        let spool = Spool(root: directory.path + "/spool")
        try spool.create()
        let watcher = try SpoolWatcher(directory: spool.new)
        let events = Mutex<[SpoolWatcher.Event]>([])
        watcher.start { event in events.withLock { $0.append(event) } }
        defer { watcher.stop() }

        directory.write("spool/tmp/a.json", "{}")
        try FileSystem.rename(spool.tmp + "/a.json", spool.new + "/a.json")
        directory.write("spool/new/b.txt", "hello")
        try FileSystem.removeTree(spool.new + "/b.txt")

        try await waitUntil("four events arrive", timeout: .seconds(5)) { events.withLock { $0.count >= 4 } }
        let seen = events.withLock { $0 }
        #expect(seen.first == .arrived("a.json"))
        #expect(seen.contains(.created("b.txt", isDirectory: false)))
        #expect(seen.contains(.closed("b.txt")))
        #expect(seen.last == .removed("b.txt"))
    }
}
