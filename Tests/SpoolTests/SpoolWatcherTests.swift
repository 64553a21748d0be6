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

    @Test func pollingReportsWhatAppearedAndWentBetweenTwoListings() async throws {
        let directory = TemporaryDirectory()
        let spool = Spool(root: directory.path + "/spool")
        try spool.create()
        directory.write("spool/new/already.json", "{}")
        let watcher = try SpoolWatcher(directory: spool.new, poll: .milliseconds(20))
        let events = Mutex<[SpoolWatcher.Event]>([])
        watcher.start { event in events.withLock { $0.append(event) } }
        defer { watcher.stop() }
        try await Task.sleep(for: .milliseconds(60))  // the first listing is the baseline

        directory.write("spool/tmp/a.json", "{}")
        try FileSystem.rename(spool.tmp + "/a.json", spool.new + "/a.json")
        directory.write("spool/new/.hidden", "x")
        try await waitUntil("a.json is seen", timeout: .seconds(5)) { events.withLock { $0.contains(.arrived("a.json")) } }
        try FileSystem.removeTree(spool.new + "/already.json")
        try await waitUntil("already.json is gone", timeout: .seconds(5)) { events.withLock { $0.contains(.removed("already.json")) } }
        let seen = events.withLock { $0 }
        #expect(!seen.contains(.arrived("already.json")), "what was there at the start is the caller's scan's")
        #expect(!seen.contains(.arrived(".hidden")), "hidden names are temporaries")
        #expect(seen.filter { $0 == .arrived("a.json") }.count == 1)
    }

    @Test func autoPollsOnlyOnANetworkFileSystem() {
        #expect(WatchMode.auto.resolve(at: "/proc", intervalMilliseconds: 250).mode == .inotify)
        let polled = WatchMode.poll.resolve(at: "/proc", intervalMilliseconds: 100)
        #expect(polled == WatchMode.Resolved(mode: .poll, intervalMilliseconds: 100, reason: "config.json"))
        #expect(WatchMode.inotify.resolve(at: "/proc", intervalMilliseconds: 100).intervalMilliseconds == nil)
        #expect(WatchMode.networkFileSystem(at: "/proc") == nil)
        #expect(WatchMode.networkFileSystem(at: "/no/such/folder") == nil)
    }

    @Test func configNamesTheWatchModeAndItsInterval() throws {
        let config = try SpoolConfig.parse(Data(#"{"watch": "poll", "poll_interval_ms": 500}"#.utf8))
        #expect(config.watch == .poll && config.pollIntervalMilliseconds == 500)
        #expect(SpoolConfig().watch == .auto && SpoolConfig().pollIntervalMilliseconds == 250)
        #expect(throws: DocumentError.self) { try SpoolConfig.parse(Data(#"{"watch": "fanotify"}"#.utf8)) }
        do {
            _ = try SpoolConfig.parse(Data(#"{"watch": "fanotify"}"#.utf8))
        } catch {
            #expect(error.message.contains("\"auto\", \"inotify\" or \"poll\", got \"fanotify\""))
        }
        #expect(throws: DocumentError.self) { try SpoolConfig.parse(Data(#"{"poll_interval_ms": 1}"#.utf8)) }
    }
}
