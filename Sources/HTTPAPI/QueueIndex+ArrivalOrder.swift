import Foundation

extension QueueIndex {
    /// One priority's pending jobs in the order they are claimed (arrival,
    /// then id), so a job's place is a binary search, not a pass over the
    /// queue. Jobs mostly arrive at the back and leave from the front (the
    /// oldest is claimed first), so both ends cost nothing: the front is
    /// dropped by moving `head`, and the array is compacted now and then.
    struct ArrivalOrder: Sendable {
        struct Key: Comparable, Sendable {
            var arrived: Date
            var id: String

            static func < (a: Key, b: Key) -> Bool { (a.arrived, a.id) < (b.arrived, b.id) }
        }

        private var keys: [Key] = []
        private var head = 0

        var count: Int { keys.count - head }
        var first: Key? { head < keys.count ? keys[head] : nil }

        /// How many keys come before `key`.
        func rank(of key: Key) -> Int { lowerBound(key) - head }

        mutating func insert(_ key: Key) {
            if let last = keys.last, head < keys.count, last < key {
                keys.append(key)
            } else {
                keys.insert(key, at: lowerBound(key))
            }
        }

        mutating func remove(_ key: Key) {
            let index = lowerBound(key)
            guard index < keys.count, keys[index] == key else { return }
            if index == head {
                head += 1
                // Compacted once the dropped front outweighs what is left.
                if head > 64 && head * 2 > keys.count {
                    keys.removeFirst(head)
                    head = 0
                }
            } else {
                keys.remove(at: index)
            }
        }

        private func lowerBound(_ key: Key) -> Int {
            var low = head, high = keys.count
            while low < high {
                let middle = (low + high) / 2
                if keys[middle] < key { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }
}
