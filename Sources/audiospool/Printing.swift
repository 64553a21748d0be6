import Basics
import Foundation

/// What the commands print: `--json` documents and aligned tables.
func printJSON(_ value: some Encodable) {
    let encoder = JSONEncoder.document()
    if let data = try? encoder.encode(value), let text = String(data: data, encoding: .utf8) {
        print(text)
    }
}

func printTable(header: [String], rows: [[String]]) {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    for row in all {
        let cells = row.enumerated().map { $0 == row.count - 1 ? $1 : $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
        print("  " + cells.joined(separator: "  "))
    }
}

/// Lets `--json` put documents of different types in one object.
struct AnyEncodable: Encodable {
    let encodeValue: (any Encoder) throws -> Void

    init(_ value: some Encodable) {
        encodeValue = value.encode
    }

    func encode(to encoder: any Encoder) throws {
        try encodeValue(encoder)
    }
}
