import Basics

/// config.json's `instance_limits`: engine instances across all engines
/// (no limit where a field is absent).
extension InstanceLimits: ConfigSection {
    public static let configKey = "instance_limits"

    /// No limits.
    public init() { self.init(cpu: nil, gpu: nil, total: nil) }

    public init(config reader: JSONObjectReader) throws(DocumentError) {
        var reader = reader
        self.init(
            cpu: try reader.int("cpu", in: 1...4096),
            gpu: try reader.int("gpu", in: 0...4096),
            total: try reader.int("total", in: 1...4096))
        try reader.rejectUnknownFields()
    }

    public var configValue: JSONValue {
        var fields: [String: JSONValue] = [:]
        if let cpu { fields["cpu"] = .number(Double(cpu)) }
        if let gpu { fields["gpu"] = .number(Double(gpu)) }
        if let total { fields["total"] = .number(Double(total)) }
        return .object(fields)
    }
}
