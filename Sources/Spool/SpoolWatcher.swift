import Basics
import Foundation
import Glibc

/// Watches `new/` (or `cancel/`) with inotify, or by polling it where
/// inotify cannot see other hosts' changes, and reports what arrived. It
/// only reports: the caller decides when an entry is ready (PendingQueue),
/// and a periodic rescan covers anything missed (an inotify overflow).
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

    private enum Source: Sendable {
        case inotify(InotifyReader)
        case poll(DirectoryPoller)
    }

    private let source: Source
    public let directory: String

    /// With `poll`, the folder is listed every `poll` instead, and a name
    /// that appears is reported as `arrived`: on a shared file system an
    /// entry is delivered by rename (SPOOL.md, "Submitting").
    public init(directory: String, poll: Duration? = nil) throws(FileSystemError) {
        self.directory = directory
        if let poll {
            guard FileSystem.isDirectory(directory) else { throw FileSystemError("poll", directory, .noSuchFileOrDirectory) }
            source = .poll(DirectoryPoller(directory: directory, interval: poll))
            return
        }
        let reader = try InotifyReader(for: directory)
        let mask = UInt32(IN_MOVED_TO | IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_DELETE | IN_ONLYDIR)
        guard reader.watch(directory, mask: mask) != nil else { throw FileSystemError("inotify_add_watch", directory) }
        source = .inotify(reader)
    }

    /// Reports events on a thread of its own until `stop()`.
    public func start(_ handler: @escaping @Sendable (Event) -> Void) {
        switch source {
        case .inotify(let reader):
            reader.start(name: "spool-watcher", { events in
                for event in events { Self.translate(event).map(handler) }
            }, failed: { handler(.overflow) })
        case .poll(let poller):
            poller.start(appeared: { handler(.arrived($0)) }, vanished: { handler(.removed($0)) })
        }
    }

    public func stop() {
        switch source {
        case .inotify(let reader): reader.stop()
        case .poll(let poller): poller.stop()
        }
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
