import Basics
import Foundation
import Testing

/// JSONValue.parse reads what Foundation reads, and nothing it refuses.
@Suite struct JSONValueParsingTests {
    static let valid = [
        #"{"host":"a","pid":12,"token":"00ff","nested":{"list":[1,-2.5e3,true,false,null,"x"]},"empty":{},"none":[]}"#,
        #"  [ 1 , 2 ]  "#, #""esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00""#, "0", "-0.25", "1E+2", "0e-400",
        #"{"a":1,"a":2}"#, "\"é😀\"", "{\n  \"k\" : [\n\n  ]\n}\n",
    ]
    static let invalid = [
        "", " ", "{", "[1,]", #"{"a":1,}"#, "01", "1.", ".5", "-", "1e", "+1", "NaN", "Infinity", "1e400", "1e-400", "tru", "nul",
        #""raw \#u{1} control""#, #""\x""#, #""\ud83d""#, #""\ud83dx""#, #""\ude00""#, #"{"a" 1}"#, #"{1:2}"#, "[1] 2", "\"open",
        #"// c"#, "[1 2]",
    ]

    @Test func readsWhatJSONDecoderReads() throws {
        for text in Self.valid {
            let ours = JSONValue.parse(Array(text.utf8))
            #expect(ours == (try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))), "\(text)")
        }
    }

    @Test func refusesWhatIsNotJSON() {
        for text in Self.invalid {
            #expect(JSONValue.parse(Array(text.utf8)) == nil, "\(text)")
        }
        #expect(JSONValue.parse([0x22, 0xFF, 0x22]) == nil)  // not UTF-8
        #expect(JSONValue.parse(Array(String(repeating: "[", count: 100).utf8) + Array(String(repeating: "]", count: 100).utf8)) == nil)
        #expect(JSONValue.parse(Array((String(repeating: "[", count: 10) + String(repeating: "]", count: 10)).utf8)) != nil)
    }
}
