import Basics
import Foundation
import Testing

/// DocumentEncoder must write exactly what Foundation's JSONEncoder wrote
/// before it, byte for byte, so no file a person or a script reads changes.
@Suite struct DocumentEncoderTests {
    struct Inner: Codable { var x: Int; var y: [Double]; var z: [Float]? }

    class Base: Codable { var base = "b" }
    final class Derived: Base {
        var own = 2
        enum Keys: String, CodingKey { case own }
        override init() { super.init() }
        required init(from decoder: any Decoder) throws { fatalError() }
        override func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(own, forKey: .own)
            try super.encode(to: container.superEncoder())
        }
    }

    struct Everything: Codable {
        var text = "q\"\\/\u{1}\u{1f}\u{0}\n\t\r\u{8}\u{c}\u{7f}é\u{2028}😀 http://a/b"
        var missing: Int? = nil
        var present: Int? = -7
        var inner = Inner(x: -3, y: [0.1, 1e-7, 1e21, 3.0, 123456789.123, -0.0, 1e300, 0.000123, 1234567.0, 1.2345678901234567e19, 1e16, 1e15, 1.0 / 3, 2.5e-5], z: [0.1, 3])
        var map: [String: Double] = ["B": 1, "a": 2, "a10": 3, "a9": 4, "_x": 5, "é": 6, "A": 7, "b_c": 8, "bc": 9, "b": 10, "": 11]
        var empty: [Int] = []
        var emptyMap: [String: Int] = [:]
        var nested: [[Inner]] = [[], [Inner(x: 1, y: [], z: nil)]]
        var flag = true
        var bytes = Data([1, 2, 3, 250])
        var url = URL(string: "https://example.com/a/b?c=d")
        var date = Date(timeIntervalSinceReferenceDate: 5.25)
        var integers: [Int64] = [.min, .max, 0]
        var unsigned: [UInt64] = [.max]
        var small: [Int8] = [-128, 127]
        var value: JSONValue = .object([
            "n": 2, "f": 2.5, "neg": -0.0, "big": 1e300, "s": "x/y", "null": nil, "t": true,
            "list": .array([1, "two", .array([3.5]), .object(["k": false])]), "obj": .object(["Z": 1, "a": .object([:]), "m": .array([])]),
        ])
        var optionals: [Int?] = [1, nil, 3]
        var intKeys: [Int: String] = [3: "c", 10: "j", 1: "a"]
    }

    static let formats: [(JSONEncoder.OutputFormatting, DocumentEncoder)] = [
        ([.prettyPrinted, .sortedKeys, .withoutEscapingSlashes], .document),
        ([.sortedKeys, .withoutEscapingSlashes], .line(sortedKeys: true)),
    ]

    func foundation(_ formatting: JSONEncoder.OutputFormatting) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = formatting
        return encoder
    }

    @Test func writesWhatJSONEncoderWrites() throws {
        for (formatting, ours) in Self.formats {
            #expect(String(decoding: try ours.encode(Everything()), as: UTF8.self) == String(decoding: try foundation(formatting).encode(Everything()), as: UTF8.self))
            #expect(try ours.encode(Derived()) == (try foundation(formatting).encode(Derived())))
            for top in ["top", "", "a\nb"] {
                #expect(try ours.encode(top) == (try foundation(formatting).encode(top)))
            }
            #expect(try ours.encode([Inner]()) == (try foundation(formatting).encode([Inner]())))
            #expect(try ours.encode([String: Int]()) == (try foundation(formatting).encode([String: Int]())))
            #expect(try ours.encode(JSONValue.null) == (try foundation(formatting).encode(JSONValue.null)))
        }
    }

    @Test func unsortedLinesKeepTheOrderEncoded() throws {
        let line = try DocumentEncoder.line().encode(Inner(x: 1, y: [2], z: nil))
        #expect(String(decoding: line, as: UTF8.self) == #"{"x":1,"y":[2]}"#)
    }

    @Test func everyNumberReadsBackTheSame() throws {
        var generator = SystemRandomNumberGenerator()
        let numbers = (0..<2000).map { _ in Double(bitPattern: generator.next()) }.filter(\.isFinite)
        let encoded = try DocumentEncoder.line(sortedKeys: true).encode(numbers)
        #expect(encoded == (try foundation([.sortedKeys, .withoutEscapingSlashes]).encode(numbers)))
        #expect(try JSONDecoder().decode([Double].self, from: encoded) == numbers)
    }

    @Test func aNumberJSONCannotHoldIsAnError() {
        for bad in [Double.nan, .infinity, -.infinity] {
            #expect(throws: EncodingError.self) { try DocumentEncoder.document.encode([bad]) }
            #expect(throws: EncodingError.self) { try DocumentEncoder.document.encode(JSONValue.number(bad)) }
        }
    }
}
