import Basics
import EngineProtocol
import Foundation
import Leases
import Spool

extension Spool {
    /// `state/leases/<host>/`: this host's GPU slots, one lock file each,
    /// and `gpus.json`. Per host, because a spool may be shared by hosts
    /// over a network file system, and a GPU belongs to one host.
    public var leasesDirectory: String { state.leases(host: HostIdentity.name) }
}

extension LeaseTable {
    /// The spool's GPU slots and who holds them, read from its leases
    /// folder (for `audiospool gpu`, status files and metrics).
    public static func snapshot(spool: Spool) -> LeaseTable {
        snapshot(directory: spool.leasesDirectory)
    }
}

extension Monitor.GPUReport {
    /// The slots as supervisor.json (`gpu_leases`) and metrics.prom show them.
    init(_ table: LeaseTable) {
        // One round trip through JSON for all slots: a JSONValue per slot.
        let leases = (try? JSONEncoder().encode(table.slots)).flatMap { try? JSONDecoder().decode([JSONValue].self, from: $0) } ?? []
        self.init(leases: leases, leased: table.heldCount, free: table.slots.count - table.heldCount)
    }
}
