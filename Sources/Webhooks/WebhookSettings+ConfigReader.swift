import Basics

/// config.json's `webhooks` section (SPOOL.md, "config.json" and "Webhooks").
extension WebhookSettings: ConfigSection {
    public static let configKey = "webhooks"

    public init() { self.init(allow: WebhookAllowList()) }

    public init(config reader: JSONObjectReader) throws(DocumentError) {
        var reader = reader
        self.init()
        if let entries = try reader.stringArray("allow") {
            allow = try WebhookAllowList(entries, field: reader.name("allow"))
        }
        if let value = try reader.double("timeout_s", in: 0.1...600) { timeoutSeconds = value }
        if let value = try reader.int("max_attempts", in: 1...100) { maxAttempts = value }
        if let value = try reader.double("backoff_s", in: 0...86400) { backoffSeconds = value }
        if let value = try reader.double("backoff_max_s", in: 0...86400) { backoffMaxSeconds = value }
        try reader.rejectUnknownFields()
    }

    public var configValue: JSONValue {
        .object([
            "allow": .array(allow.entries.map { .string($0.text) }),
            "timeout_s": .number(timeoutSeconds),
            "max_attempts": .number(Double(maxAttempts)),
            "backoff_s": .number(backoffSeconds),
            "backoff_max_s": .number(backoffMaxSeconds),
        ])
    }
}
