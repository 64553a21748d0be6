import Basics

/// config.json's `engines`: `{"NAME": {"instances": N, "config": {…}}}`.
extension EngineSettings: ConfigSection {
    public static let configKey = "engines"

    public init(config reader: JSONObjectReader) throws(DocumentError) {
        self.init()
        for (name, value) in reader.fields {
            guard case .object(let fields) = value else {
                throw reader.mismatch(name, "an object such as {\"instances\": 2}", value)
            }
            var engine = JSONObjectReader(fields, path: reader.name(name))
            var settings = Engine()
            settings.instances = try engine.int("instances", in: 1...1024)
            settings.config = try engine.object("config")?.fields ?? [:]
            try engine.rejectUnknownFields()
            engines[name] = settings
        }
    }

    public var configValue: JSONValue {
        .object(engines.mapValues { settings in
            var fields: [String: JSONValue] = ["config": .object(settings.config)]
            if let instances = settings.instances { fields["instances"] = .number(Double(instances)) }
            return .object(fields)
        })
    }
}
