import Basics
import EngineHost
import Foundation
import Spool
import Testing

/// config.json's `instance_limits` and `engines`, read by EngineHost.
@Suite struct EngineConfigReaderTests {
    @Test func instanceLimitsAreReadAndRenderedBack() throws {
        let config = try SpoolConfig.parse(Data(#"{"instance_limits": {"gpu": 2, "total": 4}}"#.utf8))
        let limits = try config.section(InstanceLimits.self)
        #expect(limits == InstanceLimits(cpu: nil, gpu: 2, total: 4))
        #expect(limits.configValue == .object(["gpu": 2, "total": 4]))
        #expect(try SpoolConfig().section(InstanceLimits.self) == InstanceLimits())
    }

    @Test func engineSettingsAreReadAndRenderedBack() throws {
        let config = try SpoolConfig.parse(Data(#"{"engines": {"tone": {"instances": 3, "config": {"x": 1}}}}"#.utf8))
        let engines = try config.section(EngineSettings.self)
        #expect(engines["tone"] == .init(instances: 3, config: ["x": 1]))
        #expect(try EngineSettings(config: JSONObjectReader(engines.configValue.objectValue!, path: "engines")) == engines)
    }

    @Test(arguments: [
        (#"{"instance_limits": {"gpus": 1}}"#, "instance_limits.gpus"),
        (#"{"instance_limits": {"cpu": 0}}"#, "instance_limits.cpu"),
        (#"{"engines": {"tone": {"instance": 2}}}"#, "engines.tone.instance"),
        (#"{"engines": {"tone": 2}}"#, "engines.tone"),
    ])
    func badSettingsAreNamed(_ json: String, _ field: String) throws {
        let config = try SpoolConfig.parse(Data(json.utf8))
        do {
            try config.check([InstanceLimits.self, EngineSettings.self])
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.message.contains(field), "\(error.message)")
        }
    }

    @Test func theDefaultFileShowsEverySection() throws {
        let config = SpoolConfig(sections: [InstanceLimits.self, EngineSettings.self])
        #expect(config.sections == ["instance_limits": [:], "engines": [:]])
        #expect(try SpoolConfig.parse(config.rendered()) == config)
    }
}
