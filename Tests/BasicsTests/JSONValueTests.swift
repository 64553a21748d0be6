import Basics
import Foundation
import Testing

@Suite struct JSONValueTests {
    @Test(arguments: [
        ("2", JSONValue.number(2)),
        ("2.5", .number(2.5)),
        ("true", .bool(true)),
        ("hello", .string("hello")),
        ("\"quoted\"", .string("quoted")),
        ("[1,\"a\"]", .array([.number(1), .string("a")])),
        ("{\"k\":null}", .object(["k": .null])),
        ("en_US-joe-medium", .string("en_US-joe-medium")),
    ])
    func commandLineValuesMeanWhatTheySay(text: String, expected: JSONValue) {
        #expect(JSONValue.parseLoose(text) == expected)
    }

    @Test func integersStayIntegersOnTheWire() throws {
        let data = try JSONEncoder().encode(JSONValue.object(["seconds": 2, "gain": 0.5]))
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"seconds\":2") && !text.contains("2.0"))
        #expect(text.contains("\"gain\":0.5"))
    }

    @Test func roundTripsNestedValues() throws {
        let value: JSONValue = .object(["a": .array([1, "x", true, nil, .object(["b": 2.25])])])
        let decoded = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
        #expect(decoded == value)
    }
}

@Suite struct JSONObjectReaderTests {
    func reader(_ json: String) throws -> JSONObjectReader {
        try JSONObjectReader.parse(Data(json.utf8), what: "doc")
    }

    @Test func namesTheFieldAndWhatWasFound() throws {
        var reader = try reader(#"{"priority": "high"}"#)
        #expect(throws: DocumentError("field \"priority\" must be an integer from 0 to 9, but it is the string \"high\"")) {
            try reader.int("priority", in: 0...9)
        }
    }

    @Test func reportsTheFirstUnknownField() throws {
        var reader = try reader(#"{"engine": "x", "ouptut": {}}"#)
        _ = try reader.string("engine")
        #expect(throws: DocumentError("unknown field \"ouptut\" (known fields: \"engine\")")) {
            try reader.rejectUnknownFields()
        }
    }

    @Test func nestedPathsAreNamedInFull() throws {
        var reader = try reader(#"{"limits": {"max": true}}"#)
        var limits = try #require(try reader.object("limits"))
        #expect(throws: DocumentError("field \"limits.max\" must be an integer from 1 to 5, but it is true")) {
            try limits.int("max", in: 1...5)
        }
    }

    @Test func rejectsDocumentsThatAreNotObjects() {
        #expect(throws: DocumentError("doc must be a JSON object, but it is an array")) {
            try reader("[1, 2]")
        }
        #expect(throws: DocumentError.self) { try reader("{not json") }
    }
}
