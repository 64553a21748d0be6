import Basics
import Foundation

/// The slots one engine instance holds on one GPU.
public struct GPULease: Sendable, Equatable {
    public let gpu: GPU
    public let locks: [SlotLock]
    public var holder: LeaseHolder

    /// Rewrites the slot files' contents (after the instance's pid or job changed).
    public func write() {
        let encoder = JSONEncoder.document()
        for lock in locks {
            var holder = holder
            holder.slot = Int(lock.path.split(separator: "slot").last ?? "") ?? holder.slot
            guard let data = try? encoder.encode(holder) else { continue }
            lock.write(data + Data("\n".utf8))
        }
    }

    public func release() {
        for lock in locks { lock.release() }
    }
}
