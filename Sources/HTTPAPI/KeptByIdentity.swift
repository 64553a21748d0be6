import Synchronization

/// Values made from files, kept by name while the file is the one they were
/// made from (its identity: inode, change time, …): what the spool says
/// still wins, and nothing kept must survive a restart. Past `capacity`,
/// half of them go (any half: a dropped value is only made again).
final class KeptByIdentity<Identity: Equatable & Sendable, Value: Sendable>: Sendable {
    let capacity: Int
    private let kept = Mutex<[String: (identity: Identity, value: Value)]>([:])

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The value kept for `name`, if it was made from `identity`; one made
    /// from another is dropped.
    func value(_ name: String, madeFrom identity: Identity) -> Value? {
        kept.withLock { kept in
            guard let entry = kept[name] else { return nil }
            guard entry.identity == identity else {
                kept[name] = nil
                return nil
            }
            return entry.value
        }
    }

    /// What is kept for `name`, for a caller that must look at the file to
    /// know its identity now.
    func entry(_ name: String) -> (identity: Identity, value: Value)? {
        kept.withLock { $0[name] }
    }

    func remove(_ name: String) {
        _ = kept.withLock { $0.removeValue(forKey: name) }
    }

    func keep(_ name: String, _ identity: Identity, _ value: Value) {
        kept.withLock { kept in
            if kept.count >= capacity { kept = Dictionary(uniqueKeysWithValues: kept.prefix(capacity / 2).map { ($0.key, $0.value) }) }
            kept[name] = (identity, value)
        }
    }
}
