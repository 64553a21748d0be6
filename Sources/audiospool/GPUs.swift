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
            Reads SPOOL/state/leases/<host>/ of every host: a slot is in use while its lock is held
            (by a running supervisor), whatever its file says; a free slot may show its last holder.
            This host's slots first; then each other host's, as its files tell.
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
        let others = ((try? FileSystem.list(spool.state.leases)) ?? []).filter { !$0.hasPrefix(".") && $0 != HostIdentity.name }.sorted()
        let tables = others.map { ($0, LeaseTable.snapshot(directory: spool.state.leases(host: $0))) }
        if json {
            let encoder = JSONEncoder.document()
            let document = AllHosts(host: HostIdentity.name, table: table, hosts: Dictionary(uniqueKeysWithValues: tables + [(HostIdentity.name, table)]))
            print(String(decoding: try encoder.encode(document), as: UTF8.self))
            return
        }
        if !others.isEmpty { print("host \(HostIdentity.name)") }
        show(table)
        for (host, other) in tables {
            print("\nhost \(host)")
            show(other)
        }
    }

    /// This host's table at the top, as before there were several; every
    /// host's, this one included, under `hosts`.
    struct AllHosts: Encodable {
        var host: String
        var table: LeaseTable
        var hosts: [String: LeaseTable]

        func encode(to encoder: Encoder) throws {
            try table.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(host, forKey: .host)
            try container.encode(hosts, forKey: .hosts)
        }

        enum Key: String, CodingKey { case host, hosts }
    }

    private func show(_ table: LeaseTable) {
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
