import Basics

/// Per-engine settings, over what each manifest says: how many instances,
/// and the `config` object passed to the engine's `initialize`.
public struct EngineSettings: Sendable, Equatable {
    public struct Engine: Sendable, Equatable {
        /// The instance limit, over the manifest's `max_instances`.
        public var instances: Int?
        public var config: [String: JSONValue] = [:]

        public init(instances: Int? = nil, config: [String: JSONValue] = [:]) {
            self.instances = instances
            self.config = config
        }
    }

    /// Engine name → its settings.
    public var engines: [String: Engine] = [:]

    public init() {}

    public subscript(name: String) -> Engine? {
        get { engines[name] }
        set { engines[name] = newValue }
    }
}
