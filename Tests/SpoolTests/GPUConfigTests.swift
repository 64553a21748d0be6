import Basics
import Foundation
import Spool
import Testing

/// config.json's `keep_alive_s`, and the sections other modules read
/// (`gpus`, `instance_limits`, `engines`), kept as written.
@Suite struct GPUConfigTests {
    @Test func sectionsAreKeptAsWrittenAndRenderedBack() throws {
        let config = try SpoolConfig.parse(Data(#"""
            {"gpus": {"slots_per_gpu": 2, "devices": [{"index": 1, "uuid": "GPU-abc", "memory_mb": 8000}]},
             "keep_alive_s": -1, "instance_limits": {"gpu": 2, "total": 4}}
            """#.utf8))
        #expect(config.sections["gpus"]?["slots_per_gpu"] == 2)
        #expect(config.sections["instance_limits"] == ["gpu": 2, "total": 4])
        #expect(config.sections["engines"] == nil)
        #expect(config.keepAliveSeconds == -1)
        #expect(try SpoolConfig.parse(config.rendered()) == config)
        #expect(SpoolConfig().keepAliveSeconds == 300, "Ollama's keep_alive default")
    }

    @Test(arguments: [
        (#"{"gpus": 3}"#, "gpus"),
        (#"{"instance_limits": [1]}"#, "instance_limits"),
        (#"{"engines": "tone"}"#, "engines"),
        (#"{"keep_alive_s": "5m"}"#, "keep_alive_s"),
    ])
    func badSettingsAreNamed(_ json: String, _ field: String) {
        do {
            _ = try SpoolConfig.parse(Data(json.utf8))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.message.contains(field), "\(error.message)")
        }
    }
}
