import Basics
import EngineHost
import EngineProtocol
import Foundation
import Testing

/// The manifest's device fields: `device`, `gpu`, per-device `instances`, `keep_alive_s`.
@Suite struct DeviceManifestTests {
    func parse(_ json: String) throws(DocumentError) -> EngineManifest {
        try EngineManifest.parse(Data(json.utf8), directory: "/engines/demo")
    }

    @Test func gpuPreferredEnginesRunOneInstancePerDeviceByDefault() throws {
        let manifest = try parse(#"{"command": ["x"], "tasks": {"t": {}}, "device": "gpu-preferred"}"#)
        #expect(manifest.maxCPUInstances == 1 && manifest.maxGPUInstances == 1 && manifest.maxInstances == 2)
        #expect(manifest.gpu == .init(slots: 1, memoryMB: nil) && manifest.keepAliveSeconds == nil)
        let gpuOnly = try parse(#"{"command": ["x"], "tasks": {"t": {}}, "device": "gpu"}"#)
        #expect(gpuOnly.maxCPUInstances == 0 && gpuOnly.maxGPUInstances == 1)
    }

    @Test func theGPUNeedAndLimitsAreRead() throws {
        let manifest = try parse(#"""
            {"command": ["x"], "tasks": {"t": {}}, "device": "gpu-preferred", "gpu": {"slots": 2, "memory_mb": 4000},
             "instances": {"max": 3, "cpu": 2, "gpu": 1}, "keep_alive_s": 30}
            """#)
        #expect(manifest.gpu == .init(slots: 2, memoryMB: 4000))
        #expect(manifest.maxInstances == 3 && manifest.maxCPUInstances == 2 && manifest.maxGPUInstances == 1)
        #expect(manifest.keepAliveSeconds == 30)
    }

    @Test(arguments: [
        (#"{"command": ["x"], "tasks": {"t": {}}, "gpu": {"slots": 1}}"#, #"field "gpu" needs "device" gpu or gpu-preferred"#),
        (#"{"command": ["x"], "tasks": {"t": {}}, "device": "gpu", "gpu": {"slots": 0}}"#, "gpu.slots"),
        (#"{"command": ["x"], "tasks": {"t": {}}, "device": "gpu", "gpu": {"vram": 1}}"#, "vram"),
        (#"{"command": ["x"], "tasks": {"t": {}}, "keep_alive_s": "5m"}"#, "keep_alive_s"),
        (#"{"command": ["x"], "tasks": {"t": {}}, "device": "tpu"}"#, "must be cpu, gpu or gpu-preferred, got \"tpu\""),
    ])
    func badDeviceFieldsAreNamed(_ json: String, _ expected: String) {
        do {
            _ = try parse(json)
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }
}
