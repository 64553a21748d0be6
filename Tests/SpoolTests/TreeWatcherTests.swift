import AudioSpoolTestKit
import Basics
import Foundation
import Spool
import Synchronization
import Testing

/// Hot reload's trigger: any change anywhere under a folder, including
/// folders that appear after the watch began.
@Suite struct TreeWatcherTests {
    @Test func seesChangesInFoldersMadeAfterItStarted() async throws {
        let directory = TemporaryDirectory()
        directory.write("engines/tone/engine.json", "{}")
        let watcher = try TreeWatcher(root: directory.path + "/engines")
        let wakes = Mutex(0)
        watcher.start { wakes.withLock { $0 += 1 } }
        defer { watcher.stop() }

        directory.write("engines/tone/engine.json", "{\"version\": \"2\"}")
        try await waitUntil("a change to a watched file is seen", timeout: .seconds(5)) { wakes.withLock { $0 } >= 1 }

        // A new engine, then a file deep inside it once its folders exist.
        try FileManager.default.createDirectory(atPath: directory.path + "/engines/new/models/v1", withIntermediateDirectories: true)
        try await waitUntil("the new folder is seen", timeout: .seconds(5)) { wakes.withLock { $0 } >= 2 }
        let before = wakes.withLock { $0 }
        // Give the watcher's thread the new folders: it adds them as it
        // reads the create event, which it has reported by now.
        directory.write("engines/new/models/v1/weights.bin", "x")
        try await waitUntil("a file in a folder made after the start is seen", timeout: .seconds(5)) {
            wakes.withLock { $0 } > before
        }
    }

    @Test func aMissingFolderCannotBeWatched() {
        #expect(throws: FileSystemError.self) { try TreeWatcher(root: "/nonexistent/engines") }
    }
}
