import Foundation
import Leases
import Testing

/// SPOOL.md's "GPU leases" names every field of a slot file and of gpus.json.
@Suite struct LeaseDocumentTests {
    func section() throws -> String {
        let lines = try Markdown("SPOOL.md").lines
        let start = try #require(lines.firstIndex { $0.hasPrefix("## GPU leases") })
        return lines[(start + 1)...].prefix { !$0.hasPrefix("## ") }.joined(separator: "\n")
    }

    @Test func theSlotFileFieldsAreDocumented() throws {
        let text = try section()
        let holder = LeaseHolder(
            supervisorPID: 1, host: "h", engine: "e", instancePID: 2, since: "s", job: "j", gpuIndex: 0, gpuUUID: "GPU-x", slot: 0,
            memoryMB: 1)
        for key in try keys(of: holder) { #expect(text.contains("`\(key)`"), "\(key)") }
        let inventory = GPUInventory(gpus: [GPU(index: 0, uuid: "GPU-x", memoryMB: 1, memoryFreeMB: 1)], slotsPerGPU: 1, source: "fake")
        for key in try keys(of: inventory).union(keys(of: inventory.gpus[0])) { #expect(text.contains("`\(key)`"), "\(key)") }
        #expect(text.contains(GPUSlots.fileName(gpu: 0, slot: 0)) && text.contains(GPUSlots.inventoryFile))
        #expect(text.contains(GPUDiscovery.query.joined(separator: " ")))
    }
}
