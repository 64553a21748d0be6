import EngineProtocol
import Foundation
import Spool
import Testing

/// config.json's `gpus`, `keep_alive_s` and `instance_limits`.
@Suite struct GPUConfigTests {
    @Test func gpuSettingsAreReadAndRenderedBack() throws {
        let config = try SpoolConfig.parse(Data(#"""
            {"gpus": {"slots_per_gpu": 2, "devices": [{"index": 1, "uuid": "GPU-abc", "memory_mb": 8000}]},
             "keep_alive_s": -1, "instance_limits": {"gpu": 2, "total": 4}}
            """#.utf8))
        #expect(config.gpus.slotsPerGPU == 2 && config.gpus.fake == 0)
        #expect(config.gpus.devices == [.init(index: 1, uuid: "GPU-abc", memoryMB: 8000)])
        #expect(config.keepAliveSeconds == -1)
        #expect(config.instanceLimits.gpu == 2 && config.instanceLimits.total == 4 && config.instanceLimits.cpu == nil)
        #expect(try SpoolConfig.parse(config.rendered()) == config)
        #expect(SpoolConfig().keepAliveSeconds == 300, "Ollama's keep_alive default")
    }

    @Test(arguments: [
        (#"{"gpus": {"fake": -1}}"#, "gpus.fake"),
        (#"{"gpus": {"devices": [{"index": 0}]}}"#, "gpus.devices[0].uuid"),
        (#"{"gpus": {"devices": [3]}}"#, "gpus.devices[0]"),
        (#"{"gpus": {"devices": [{"uuid": "GPU-x"}]}}"#, "gpus.devices[0].index"),
        (#"{"instance_limits": {"gpus": 1}}"#, "gpus"),
        (#"{"keep_alive_s": "5m"}"#, "keep_alive_s"),
    ])
    func badGPUSettingsAreNamed(_ json: String, _ field: String) {
        do {
            _ = try SpoolConfig.parse(Data(json.utf8))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.message.contains(field), "\(error.message)")
        }
    }
}
