import Basics
import Foundation
import Glibc

/// Watches `new/` with inotify and reports what arrived. It only reports:
/// the caller decides when an entry is ready (PendingQueue), and a periodic
/// rescan covers anything inotify missed (an overflow, a network file system).
public final class SpoolWatcher: Sendable {
    public enum Event: Sendable, Equatable {
        /// Renamed or moved in: complete, ready to claim.
        case arrived(String)
        /// Created in place: a file may still be being written.
        case created(String, isDirectory: Bool)
        /// A writer closed it: complete.
        case closed(String)
        /// Gone (claimed by someone, or removed).
        case removed(String)
        /// Events were lost; the caller must rescan.
        case overflow
    }

    private let reader: InotifyReader
    public let directory: String

    public init(directory: String) throws(FileSystemError) {
        reader = try InotifyReader(for: directory)
        let mask = UInt32(IN_MOVED_TO | IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_DELETE | IN_ONLYDIR)
        guard reader.watch(directory, mask: mask) != nil else { throw FileSystemError("inotify_add_watch", directory) }
        self.directory = directory
    }

    /// Reports events on a thread of its own until `stop()`.
    public func start(_ handler: @escaping @Sendable (Event) -> Void) {
        reader.start(name: "spool-watcher", { events in
            for event in events { Self.translate(event).map(handler) }
        }, failed: { handler(.overflow) })
    }

    public func stop() {
        reader.stop()
    }

    static func translate(_ event: InotifyReader.Event) -> Event? {
        if event.has(IN_Q_OVERFLOW) { return .overflow }
        if event.name.isEmpty { return nil }
        if event.has(IN_MOVED_TO) { return .arrived(event.name) }
        if event.has(IN_CREATE) { return .created(event.name, isDirectory: event.has(IN_ISDIR)) }
        if event.has(IN_CLOSE_WRITE) { return .closed(event.name) }
        if event.has(IN_MOVED_FROM | IN_DELETE) { return .removed(event.name) }
        return nil
    }
}
