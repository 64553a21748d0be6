import Basics
import Foundation

/// The job files of `new/`, parsed once: a queued job's status is asked for
/// far more often than it changes, and a file delivered into new/ is not
/// written again (maildir delivers by rename). Each is used only while the
/// file is the one it was read from (inode, change time and size, from the
/// look that found it), so a file replaced or rewritten is read again.
final class PendingDocuments: Sendable {
    struct Identity: Sendable, Equatable {
        var inode: UInt64
        var changed: Date
        var size: Int64
    }

    private let documents = KeptByIdentity<Identity, [String: JSONValue]>(capacity: 20_000)

    func document(_ name: String, _ identity: Identity) -> [String: JSONValue]? {
        documents.value(name, madeFrom: identity)
    }

    func keep(_ name: String, _ identity: Identity, _ document: [String: JSONValue]) {
        documents.keep(name, identity, document)
    }
}
