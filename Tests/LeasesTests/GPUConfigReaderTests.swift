import Basics
import Foundation
import Leases
import Spool
import Testing

/// config.json's `gpus`, read by Leases.
@Suite struct GPUConfigReaderTests {
    @Test func gpuSettingsAreReadAndRenderedBack() throws {
        let config = try SpoolConfig.parse(Data(#"""
            {"gpus": {"slots_per_gpu": 2, "devices": [{"index": 1, "uuid": "GPU-abc", "memory_mb": 8000}]}}
            """#.utf8))
        let discovery = try config.section(GPUDiscovery.self)
        #expect(discovery.slotsPerGPU == 2 && discovery.fakeCount == 0 && discovery.fakeMemoryMB == 24576)
        #expect(discovery.declared == [GPU(index: 1, uuid: "GPU-abc", memoryMB: 8000)])
        #expect(try GPUDiscovery(config: JSONObjectReader(discovery.configValue.objectValue!, path: "gpus")) == discovery)
        #expect(try SpoolConfig().section(GPUDiscovery.self) == GPUDiscovery(), "absent: the defaults")
        let overridden = discovery.overridden(fakeGPUs: 3, slotsPerGPU: nil)
        #expect(overridden.fakeCount == 3 && overridden.slotsPerGPU == 2)
    }

    @Test(arguments: [
        (#"{"gpus": {"fake": -1}}"#, "gpus.fake"),
        (#"{"gpus": {"devices": [{"index": 0}]}}"#, "gpus.devices[0].uuid"),
        (#"{"gpus": {"devices": [3]}}"#, "gpus.devices[0]"),
        (#"{"gpus": {"devices": [{"uuid": "GPU-x"}]}}"#, "gpus.devices[0].index"),
        (#"{"gpus": {"fakes": 1}}"#, "gpus.fakes"),
    ])
    func badGPUSettingsAreNamed(_ json: String, _ field: String) throws {
        let config = try SpoolConfig.parse(Data(json.utf8))
        do {
            _ = try config.section(GPUDiscovery.self)
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.message.contains(field), "\(error.message)")
        }
    }
}
