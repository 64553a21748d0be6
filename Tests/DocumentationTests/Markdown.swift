import AudioSpoolTestKit
import Foundation

/// Reads the tables of the repository's contract documents.
struct Markdown {
    let lines: [String]

    init(_ file: String) throws {
        lines = try String(contentsOfFile: Repository.root + "/" + file, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// The rows (cells, trimmed) of the first table after the heading that
    /// ends with `heading`, without its header and separator rows.
    func table(after heading: String) -> [[String]] {
        guard let start = lines.firstIndex(where: { $0.hasPrefix("#") && $0.hasSuffix(heading) }) else { return [] }
        let rest = lines[(start + 1)...].drop { !$0.hasPrefix("|") }
        let table = rest.prefix { $0.hasPrefix("|") }
        return table.dropFirst(2).map { row in
            row.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    /// Every table between the heading that ends with `heading` and the next
    /// heading, each as `table(after:)` gives it.
    func tables(after heading: String) -> [[[String]]] {
        guard let start = lines.firstIndex(where: { $0.hasPrefix("#") && $0.hasSuffix(heading) }) else { return [] }
        var tables: [[[String]]] = []
        var current: [String] = []
        for line in lines[(start + 1)...] {
            if line.hasPrefix("#") { break }
            if line.hasPrefix("|") { current.append(line) } else if !current.isEmpty { tables.append(Self.rows(current)); current = [] }
        }
        if !current.isEmpty { tables.append(Self.rows(current)) }
        return tables
    }

    private static func rows(_ table: [String]) -> [[String]] {
        table.dropFirst(2).map { row in
            row.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast().map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    /// The first paragraph after a heading, as one line.
    func paragraph(after heading: String) -> String {
        guard let start = lines.firstIndex(where: { $0.hasPrefix("#") && $0.hasSuffix(heading) }) else { return "" }
        let text = lines[(start + 1)...].drop { $0.isEmpty }.prefix { !$0.isEmpty }
        return text.joined(separator: " ")
    }

    /// Everything under a heading, up to the next heading of any level.
    func section(_ heading: String) -> String {
        guard let start = lines.firstIndex(where: { $0.hasPrefix("#") && $0.hasSuffix(heading) }) else { return "" }
        return lines[(start + 1)...].prefix { !$0.hasPrefix("#") }.joined(separator: "\n")
    }

    /// The first column of a table, without backticks: the names it documents.
    func names(after heading: String, column: Int = 0) -> Set<String> {
        Set(table(after: heading).map { $0[column].replacingOccurrences(of: "`", with: "") })
    }
}

/// The fields a strict parser knows, read from its unknown-field message.
func knownFields(_ parse: (Data) throws -> Void, base: String) -> Set<String> {
    let document = base.dropLast() + (base.count > 2 ? "," : "") + #""zz_unknown": 1}"#
    do {
        try parse(Data(document.utf8))
    } catch {
        let message = "\(error)"
        guard let range = message.range(of: "(known fields: ") else { return [] }
        return Set(message[range.upperBound...].dropLast().split(separator: ", ").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) })
    }
    return []
}

/// The keys an encoded document has.
func keys(of value: some Encodable) throws -> Set<String> {
    let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(value))
    return Set((object as? [String: Any])?.keys ?? [:].keys)
}
