import Foundation

/// A unit file's `Key=value` lines (all sections; a key may repeat).
struct SystemdUnit {
    var values: [String: [String]] = [:]

    init(_ path: String) throws {
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            guard !line.hasPrefix("#"), !line.hasPrefix("["), let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals]), default: []].append(String(line[line.index(after: equals)...]))
        }
    }

    subscript(key: String) -> [String] { values[key] ?? [] }
}
