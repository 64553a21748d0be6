import Basics
import Foundation
import Synchronization

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

    /// Past it, the half kept longest goes (any half: a dropped one is only read again).
    static let capacity = 20_000

    private let documents = Mutex<[String: (identity: Identity, document: [String: JSONValue])]>([:])

    func document(_ name: String, _ identity: Identity) -> [String: JSONValue]? {
        documents.withLock { documents in
            guard let kept = documents[name] else { return nil }
            guard kept.identity == identity else {
                documents[name] = nil
                return nil
            }
            return kept.document
        }
    }

    func keep(_ name: String, _ identity: Identity, _ document: [String: JSONValue]) {
        documents.withLock { documents in
            if documents.count >= Self.capacity { documents = Dictionary(uniqueKeysWithValues: documents.prefix(Self.capacity / 2).map { ($0.key, $0.value) }) }
            documents[name] = (identity, document)
        }
    }
}
