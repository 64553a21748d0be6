import Foundation

extension JSONEncoder {
    /// A file a person reads (status.json, config.json, gpus.json, a slot
    /// file, the CLI's `--json`): indented, keys sorted so two versions
    /// diff cleanly and read alike, and slashes as written (paths).
    public static func document() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// One compact line (a protocol message, an events.log record), slashes
    /// as written; `sortedKeys` where the line is meant to be read or compared.
    public static func line(sortedKeys: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = sortedKeys ? [.sortedKeys, .withoutEscapingSlashes] : [.withoutEscapingSlashes]
        return encoder
    }
}
