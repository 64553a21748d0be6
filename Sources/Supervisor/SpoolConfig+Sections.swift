import Basics
import EngineHost
import HTTPConfig
import Leases
import Spool
import Webhooks

extension SpoolConfig {
    /// The sections of config.json that other modules read, each with its
    /// own type and defaults.
    public static let moduleSections: [any ConfigSection.Type] = [GPUDiscovery.self, InstanceLimits.self, EngineSettings.self, HTTPSettings.self, WebhookSettings.self, LexiconSettings.self]

    /// The file a new spool gets: every setting, every section's too, at its default.
    public static var defaultsWithSections: SpoolConfig { SpoolConfig(sections: moduleSections) }
}
