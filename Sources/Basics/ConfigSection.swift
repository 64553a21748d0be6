/// One section of config.json, read by the module it configures (as
/// Hummingbird keeps one `X+ConfigReader.swift` per module). The spool's
/// config holds the section's object as written; only the conforming type
/// knows its fields and their defaults.
public protocol ConfigSection: Sendable, Equatable {
    /// The section's key in config.json ("gpus").
    static var configKey: String { get }
    /// Every field at its default.
    init()
    /// Reads the section strictly: a field it does not know is an error, a
    /// field not given keeps its default. `reader.path` is `configKey`, so
    /// messages name fields in full ("gpus.fake").
    init(config reader: JSONObjectReader) throws(DocumentError)
    /// The section as config.json shows it: a new spool's file lists every field.
    var configValue: JSONValue { get }
}
