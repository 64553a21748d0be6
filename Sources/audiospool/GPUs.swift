import ArgumentParser
import Basics
import Foundation
import Leases
import Spool
import Supervisor

/// `audiospool gpu`: the GPU slots and who holds them, from the leases folder.
struct GPUs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gpu",
        abstract: "Show the GPU slots and their leases.",
        discussion: """
            Reads SPOOL/state/leases/<host>/: a slot is in use while its lock is held (by a running
            supervisor), whatever its file says; a free slot may show its last holder.
            """)

    @OptionGroup var spool: SpoolOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let spool = spool.resolvedSpool
        var table = LeaseTable.snapshot(spool: spool)
        if table.inventory.source == "none", !FileManager.default.fileExists(atPath: spool.leasesDirectory + "/" + GPUSlots.inventoryFile) {
            // No supervisor has recorded its GPUs yet: find them as one would.
            let inventory = try spool.loadConfig(checking: SpoolConfig.moduleSections).section(GPUDiscovery.self).discover()
            table = LeaseTable.snapshot(directory: spool.leasesDirectory, inventory: inventory)
        }
        if json {
            let encoder = JSONEncoder.document()
            print(String(decoding: try encoder.encode(table), as: UTF8.self))
            return
        }
        let inventory = table.inventory
        print("GPUs: \(inventory.gpus.count) (\(inventory.source)), \(inventory.slotsPerGPU) slot(s) each, \(table.heldCount) held")
        for gpu in inventory.gpus {
            let memory = gpu.memoryMB.map { " \($0) MiB" } ?? ""
            print("gpu\(gpu.index) \(gpu.uuid)\(memory)\(gpu.fake ? " (fake)" : "")")
        }
        for slot in table.slots {
            let name = "gpu\(slot.gpu).slot\(slot.slot)"
            guard slot.held else {
                let last = slot.holder.map { " (last: \($0.engine), supervisor \($0.supervisorPID) on \($0.host))" } ?? ""
                print("  \(name)  free\(last)")
                continue
            }
            guard let holder = slot.holder else {
                print("  \(name)  held")
                continue
            }
            let instance = holder.instancePID.map { "pid \($0)" } ?? "starting"
            let job = holder.job.map { "job \($0)" } ?? "idle"
            print("  \(name)  held by \(holder.engine) (\(instance), \(job)) for supervisor \(holder.supervisorPID) on \(holder.host) since \(holder.since)")
        }
    }
}
