import EngineProtocol

/// config.json's `instance_limits`: engine instances across all engines.
public struct InstanceLimitSettings: Sendable, Equatable {
    public var cpu: Int?
    public var gpu: Int?
    public var total: Int?

    public init() {}

    static func parse(_ reader: JSONObjectReader) throws(DocumentError) -> InstanceLimitSettings {
        var reader = reader
        var limits = InstanceLimitSettings()
        limits.cpu = try reader.int("cpu", in: 1...4096)
        limits.gpu = try reader.int("gpu", in: 0...4096)
        limits.total = try reader.int("total", in: 1...4096)
        try reader.rejectUnknownFields()
        return limits
    }

    var rendered: JSONValue {
        var fields: [String: JSONValue] = [:]
        if let cpu { fields["cpu"] = .number(Double(cpu)) }
        if let gpu { fields["gpu"] = .number(Double(gpu)) }
        if let total { fields["total"] = .number(Double(total)) }
        return .object(fields)
    }
}
