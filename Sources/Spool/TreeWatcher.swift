import Basics
import Foundation
import Glibc
import Synchronization

/// Tells when anything under a folder changes, without looking: inotify
/// watches on the folder and each subfolder (hidden ones and `__pycache__`
/// skipped, as they change without their owner changing), with watches
/// added as subfolders appear. It only says *that* something changed; the
/// caller looks at what. `init` throws where inotify cannot be had (or the
/// tree is too big to watch), and the caller falls back to polling.
public final class TreeWatcher: Sendable {
    public let root: String
    /// The most folders watched; a bigger tree is polled instead.
    public static let folderLimit = 2000
    private let reader: InotifyReader
    private let initialFolders: [Int32: String]

    public init(root: String) throws(FileSystemError) {
        reader = try InotifyReader(for: root)
        self.root = root
        var folders: [Int32: String] = [:]
        guard Self.watch(root, with: reader, into: &folders) else {
            throw FileSystemError("inotify_add_watch (or more than \(Self.folderLimit) folders)", root)
        }
        initialFolders = folders
    }

    static let mask = UInt32(
        IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_ONLYDIR)

    static func skipped(_ name: String) -> Bool { name.hasPrefix(".") || name == "__pycache__" }

    /// Watches `folder` and its subfolders; false past the limit or on error.
    private static func watch(_ folder: String, with reader: InotifyReader, into folders: inout [Int32: String]) -> Bool {
        var pending = [folder]
        while let path = pending.popLast() {
            guard folders.count < folderLimit else { return false }
            guard let wd = reader.watch(path, mask: mask) else {
                if path == folder { return false }
                continue  // a subfolder may vanish meanwhile
            }
            folders[wd] = path
            for name in (try? FileSystem.list(path)) ?? [] where !skipped(name) {
                let child = path + "/" + name
                if FileSystem.info(child)?.type == .directory { pending.append(child) }
            }
        }
        return true
    }

    /// Calls `handler` after each batch of changes, on a thread of its own,
    /// until `stop()`. After an overflow it is called too: something changed.
    public func start(_ handler: @escaping @Sendable () -> Void) {
        // Only the reader's thread touches the map, after this hand-over.
        let folders = Mutex(initialFolders)
        let reader = reader
        reader.start(name: "tree-watcher") { events in
            var relevant = false
            folders.withLock { folders in
                for event in events {
                    if event.has(IN_Q_OVERFLOW) { relevant = true; continue }
                    if event.has(IN_IGNORED) { folders[event.watch] = nil; continue }
                    if !event.name.isEmpty && Self.skipped(event.name) { continue }
                    relevant = true
                    // A new subfolder: watch it (and what was copied into it).
                    if event.has(IN_ISDIR), event.has(IN_CREATE | IN_MOVED_TO), let parent = folders[event.watch] {
                        _ = Self.watch(parent + "/" + event.name, with: reader, into: &folders)
                    }
                }
            }
            if relevant { handler() }
        }
    }

    public func stop() {
        reader.stop()
    }
}
