import Basics
import Foundation
import Glibc

/// The slot pool: `slotsPerGPU` lock files per GPU in the leases folder,
/// `gpu<index>.slot<k>`. Any number of supervisors on one host share it;
/// the locks, not this type, say which slots are taken.
public struct GPUSlots: Sendable {
    public let directory: String
    public let inventory: GPUInventory
    public static let inventoryFile = "gpus.json"

    public init(directory: String, inventory: GPUInventory) {
        self.directory = directory
        self.inventory = inventory
    }

    public static func fileName(gpu: Int, slot: Int) -> String { "gpu\(gpu).slot\(slot)" }

    public func path(gpu: Int, slot: Int) -> String { directory + "/" + Self.fileName(gpu: gpu, slot: slot) }

    /// A file of the leases folder that could not be written, with the
    /// system's reason (a full disk reads "No space left on device").
    public struct PrepareError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot write \(path): \(reason)" }
    }

    /// Makes the folder and records the inventory in `gpus.json` (written
    /// to a hidden name and renamed), so `audiospool gpu` shows the slots.
    public func prepare() throws(PrepareError) {
        do {
            try FileSystem.createDirectories(directory)
        } catch {
            throw PrepareError(path: directory, reason: String(cString: strerror(error.errno.rawValue)))
        }
        let data = ((try? JSONEncoder.document().encode(inventory)) ?? Data("{}".utf8)) + Data("\n".utf8)
        let file = directory + "/" + Self.inventoryFile
        do {
            try FileSystem.writeAtomically(data, to: file)
        } catch {
            throw PrepareError(path: file, reason: String(cString: strerror(error.errno.rawValue)))
        }
    }

    /// Why a need can never be met here, or nil if some GPU could meet it.
    public func impossibility(slots: Int, memoryMB: Int?) -> String? {
        if inventory.gpus.isEmpty { return "this host has no GPU" }
        if slots > inventory.slotsPerGPU {
            return "it needs \(slots) slots on one GPU and each GPU has \(inventory.slotsPerGPU)"
        }
        if let memoryMB, !inventory.gpus.contains(where: { ($0.memoryMB ?? Int.max) >= memoryMB }) {
            let largest = inventory.gpus.compactMap(\.memoryMB).max() ?? 0
            return "it needs \(memoryMB) MiB of GPU memory and the largest GPU has \(largest) MiB"
        }
        return nil
    }

    /// Takes `slots` free slots on one GPU with room for `memoryMB` beside
    /// the leases already on it; nil if none has.
    public func acquire(slots: Int, memoryMB: Int?, holder: LeaseHolder) -> GPULease? {
        // Someone may have removed the folder (a tidy-up); the locks live on in it.
        if !FileManager.default.fileExists(atPath: directory) {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        for gpu in inventory.gpus {
            if let memoryMB, let total = gpu.memoryMB, memoryInUse(gpu: gpu.index) + memoryMB > total { continue }
            var taken: [SlotLock] = []
            for slot in 0..<inventory.slotsPerGPU where taken.count < slots {
                if let lock = SlotLock.tryAcquire(path(gpu: gpu.index, slot: slot)) { taken.append(lock) }
            }
            guard taken.count == slots else {
                for lock in taken { lock.release() }
                continue
            }
            var lease = GPULease(gpu: gpu, locks: taken, holder: holder)
            lease.holder.lease = UUID().uuidString
            lease.holder.gpuIndex = gpu.index
            lease.holder.gpuUUID = gpu.uuid
            lease.write()
            return lease
        }
        return nil
    }

    // MARK: Supervisors waiting for a slot

    /// A supervisor whose job waits for a slot touches `wanted.<pid>`; the
    /// others on the host then shut down an idle instance that holds one
    /// (only its own supervisor can). Its modification time is when it last
    /// wanted one.
    public func announceWaiting() {
        let descriptor = open(directory + "/wanted.\(getpid())", O_WRONLY | O_CREAT | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { return }
        futimens(descriptor, nil)
        close(descriptor)
    }

    public func withdrawWaiting() {
        unlink(directory + "/wanted.\(getpid())")
    }

    /// Whether another supervisor wanted a slot in the last `seconds`.
    /// Announcements older than a minute (their supervisor died) are removed.
    public func othersAreWaiting(within seconds: Double = 2) -> Bool {
        let now = Date()
        var waiting = false
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix("wanted.") {
            guard name != "wanted.\(getpid())" else { continue }
            let path = directory + "/" + name
            guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date else { continue }
            let age = now.timeIntervalSince(modified)
            if age <= seconds { waiting = true } else if age > 60 { unlink(path) }
        }
        return waiting
    }

    /// Whether any slot is free now (for explaining a wait).
    public func hasFreeSlot() -> Bool {
        let locks = HeldLocks()
        return inventory.gpus.contains { gpu in
            (0..<inventory.slotsPerGPU).contains { !locks.isHeld(path(gpu: gpu.index, slot: $0)) }
        }
    }

    /// The memory the holders of this GPU's slots declared, counted once
    /// per lease (a lease of several slots writes the same holder to each).
    func memoryInUse(gpu: Int) -> Int {
        var seen = Set<String>()
        var total = 0
        let locks = HeldLocks()
        for slot in 0..<inventory.slotsPerGPU {
            let file = path(gpu: gpu, slot: slot)
            guard locks.isHeld(file), let data = FileManager.default.contents(atPath: file),
                  let holder = try? JSONDecoder().decode(LeaseHolder.self, from: data) else { continue }
            if seen.insert(holder.lease).inserted { total += holder.memoryMB ?? 0 }
        }
        return total
    }
}
