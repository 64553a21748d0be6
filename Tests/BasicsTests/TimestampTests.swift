import Basics
import Foundation
import Testing

@Suite struct TimestampTests {
    /// The hand-made format is Foundation's ISO 8601 to the second, then the
    /// milliseconds. (Foundation's own fractional format truncates the
    /// double: 951782400.999 comes out as .998.)
    @Test func theFormatIsISO8601WithMilliseconds() {
        var generator = SystemRandomNumberGenerator()
        var instants: [Int64] = [0, 951_782_400_999, 4_102_444_799_500, 1_796_309_460_001]
        instants += (0..<2000).map { _ in Int64.random(in: 0..<4_102_444_800_000, using: &generator) }
        for milliseconds in instants {
            let seconds = Date(timeIntervalSince1970: Double(milliseconds / 1000)).formatted(Date.ISO8601FormatStyle())
            let fraction = String(milliseconds % 1000)
            let expected = seconds.dropLast() + "." + String(repeating: "0", count: 3 - fraction.count) + fraction + "Z"
            #expect(Timestamp.string(Date(timeIntervalSince1970: Double(milliseconds) / 1000)) == expected)
        }
        #expect(Timestamp.string(Date(timeIntervalSince1970: 1_796_309_460.1239)) == "2026-12-03T14:51:00.123Z")
        #expect(Timestamp.parse(Timestamp.string(Date(timeIntervalSince1970: 1_796_309_460.5))) == Date(timeIntervalSince1970: 1_796_309_460.5))
    }

    @Test func digitsArePadded() {
        var text: [UInt8] = []
        Timestamp.appendDigits(7, 3, to: &text)
        Timestamp.appendDigits(12345, 2, to: &text)
        Timestamp.appendDigits(0, 1, to: &text)
        #expect(String(decoding: text, as: UTF8.self) == "007123450")
    }
}
