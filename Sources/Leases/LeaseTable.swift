import Foundation

/// What the leases folder says: every slot, whether its lock is held, and
/// who holds it. Read-only; any process may take one (`audiospool gpu`,
/// status files, metrics).
public struct LeaseTable: Codable, Sendable, Equatable {
    public var inventory: GPUInventory
    public var slots: [Slot]

    public struct Slot: Codable, Sendable, Equatable {
        public var gpu: Int
        public var slot: Int
        public var file: String
        /// The lock is held: the slot is in use, whatever the file says.
        public var held: Bool
        /// The file's contents: the holder, or the last holder when the
        /// lock is free (a supervisor that died leaves its file behind).
        public var holder: LeaseHolder?

        enum CodingKeys: String, CodingKey {
            case gpu, slot, file, held, holder
        }
    }

    public var heldCount: Int { slots.filter(\.held).count }

    /// Reads the folder: the slots of `gpus.json` (or of `inventory`, when
    /// given), plus any other slot file found there.
    public static func snapshot(directory: String, inventory: GPUInventory? = nil) -> LeaseTable {
        let recorded = FileManager.default.contents(atPath: directory + "/" + GPUSlots.inventoryFile)
            .flatMap { try? JSONDecoder().decode(GPUInventory.self, from: $0) }
        let inventory = inventory ?? recorded ?? .none
        var names = Set(inventory.gpus.flatMap { gpu in
            (0..<inventory.slotsPerGPU).map { GPUSlots.fileName(gpu: gpu.index, slot: $0) }
        })
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where parse(name) != nil {
            names.insert(name)
        }
        let locks = HeldLocks()
        let slots = names.compactMap { name -> Slot? in
            guard let (gpu, slot) = parse(name) else { return nil }
            let file = directory + "/" + name
            let holder = FileManager.default.contents(atPath: file).flatMap { try? JSONDecoder().decode(LeaseHolder.self, from: $0) }
            return Slot(gpu: gpu, slot: slot, file: file, held: locks.isHeld(file), holder: holder)
        }
        return LeaseTable(inventory: inventory, slots: slots.sorted { ($0.gpu, $0.slot) < ($1.gpu, $1.slot) })
    }

    /// `gpu3.slot1` → (3, 1).
    static func parse(_ name: String) -> (Int, Int)? {
        guard name.hasPrefix("gpu"), let dot = name.firstIndex(of: ".") else { return nil }
        let gpu = name[name.index(name.startIndex, offsetBy: 3)..<dot]
        let rest = name[name.index(after: dot)...]
        guard rest.hasPrefix("slot"), let index = Int(gpu), let slot = Int(rest.dropFirst(4)) else { return nil }
        return (index, slot)
    }
}
