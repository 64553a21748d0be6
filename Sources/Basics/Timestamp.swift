import Foundation
import Glibc

/// Times in spool documents: UTC, ISO 8601, milliseconds ("2026-11-23T14:51:00.123Z"),
/// so `jq` and `date -d` read them and they sort as text.
public enum Timestamp {
    /// By gmtime_r and digits by hand, not Date.ISO8601FormatStyle: every
    /// event line and submission makes one, and the format style was a
    /// hundredth of a submission's CPU in `serve`. TimestampTests hold it to
    /// the format style's output.
    public static func string(_ date: Date) -> String {
        // Truncated to the millisecond, but a double a few µs under one (x.083
        // held as x.0829999…) is that millisecond, not the one before.
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000 + 0.002).rounded(.down))
        var seconds = time_t(milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000)
        let fraction = Int32(milliseconds - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var text: [UInt8] = []
        text.reserveCapacity(24)
        appendDigits(parts.tm_year + 1900, 4, to: &text)
        text.append(UInt8(ascii: "-"))
        appendDigits(parts.tm_mon + 1, 2, to: &text)
        text.append(UInt8(ascii: "-"))
        appendDigits(parts.tm_mday, 2, to: &text)
        text.append(UInt8(ascii: "T"))
        appendDigits(parts.tm_hour, 2, to: &text)
        text.append(UInt8(ascii: ":"))
        appendDigits(parts.tm_min, 2, to: &text)
        text.append(UInt8(ascii: ":"))
        appendDigits(parts.tm_sec, 2, to: &text)
        text.append(UInt8(ascii: "."))
        appendDigits(fraction, 3, to: &text)
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }

    public static func now() -> String {
        string(Date())
    }

    public static func parse(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
    }

    /// `value` in decimal, zero-padded to at least `width` digits (non-negative values).
    public static func appendDigits(_ value: Int32, _ width: Int, to text: inout [UInt8]) {
        // Written in place from the last digit back: no array per number.
        var count = 1
        var rest = max(0, value)
        while rest >= 10 { rest /= 10; count += 1 }
        let start = text.count
        text.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(width, count)))
        var index = text.count - 1
        rest = max(0, value)
        while index >= start && rest > 0 {
            text[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            index -= 1
        }
    }
}
