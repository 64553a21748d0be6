import Basics
import Foundation
import Spool
import Supervisor
import Testing

/// A new spool's config.json shows every section at the defaults of the
/// module that reads it, and reads back to the same config.
@Suite struct ConfigSectionsTests {
    @Test func aNewSpoolsConfigShowsEverySectionAtItsDefaults() throws {
        let defaults = SpoolConfig.defaultsWithSections
        let data = defaults.rendered()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let gpus = try #require(object["gpus"] as? [String: Any])
        #expect(gpus["fake"] as? Int == 0 && gpus["fake_memory_mb"] as? Int == 24576 && gpus["slots_per_gpu"] as? Int == 1)
        #expect((object["instance_limits"] as? [String: Any])?.isEmpty == true)
        #expect((object["engines"] as? [String: Any])?.isEmpty == true)
        let webhooks = try #require(object["webhooks"] as? [String: Any])
        #expect((webhooks["allow"] as? [Any])?.isEmpty == true && webhooks["max_attempts"] as? Int == 10)
        #expect(try SpoolConfig.parse(data) == defaults)
        try defaults.check(SpoolConfig.moduleSections)
    }
}
