import Synchronization

/// Spare buffers handed back by the thread that consumed them, for the
/// thread that fills them. Reusing buffers across threads keeps the heap
/// from fragmenting into ever more memory over hours of audio.
final class Recycler<Element: Sendable>: Sendable {
    private let spares = Mutex<[[Element]]>([])
    private let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// A spare buffer (emptied, capacity kept), or a new empty one.
    func take() -> [Element] {
        spares.withLock { $0.popLast() } ?? []
    }

    func give(_ buffer: [Element]) {
        var buffer = buffer
        buffer.removeAll(keepingCapacity: true)
        spares.withLock { spares in
            if spares.count < limit { spares.append(buffer) }
        }
    }
}
