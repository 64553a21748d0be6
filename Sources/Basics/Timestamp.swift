import Foundation

/// Times in spool documents: UTC, ISO 8601, milliseconds ("2026-11-23T14:51:00.123Z"),
/// so `jq` and `date -d` read them and they sort as text.
public enum Timestamp {
    public static func string(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    public static func now() -> String {
        string(Date())
    }

    public static func parse(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
