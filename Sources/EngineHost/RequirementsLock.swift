import Foundation

/// An engine's `requirements.lock`, as `uv pip compile --generate-hashes`
/// writes it: every package at one exact version (`name==version`) with its
/// `--hash=sha256:` lines, and options such as `--find-links`. Read to hold
/// an environment to it (`pip freeze`) and to find lines that pin nothing.
public struct RequirementsLock: Sendable, Equatable {
    /// Normalised name (PEP 503) → exact version.
    public var pins: [String: String] = [:]
    /// Lines that are not one exact, hashed pin, said for people.
    public var problems: [String] = []

    public init(text: String) {
        for (line, number) in Self.logicalLines(text) {
            if line.hasPrefix("-") { continue }  // --find-links, --index-url, …
            let hashes = line.components(separatedBy: "--hash=").dropFirst()
            let requirement = line.components(separatedBy: " --hash=")[0]
                .split(separator: ";", maxSplits: 1)[0].trimmingCharacters(in: .whitespaces)
            let parts = requirement.components(separatedBy: "==")
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
                  parts[0].allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }),
                  parts[1].allSatisfy({ !$0.isWhitespace && !"<>=!~*,".contains($0) })
            else {
                problems.append("line \(number): \"\(requirement)\" is not one exact version (name==version)")
                continue
            }
            if hashes.isEmpty || !hashes.allSatisfy({ $0.hasPrefix("sha256:") }) {
                problems.append("line \(number): \(requirement) has no --hash=sha256: line")
            }
            pins[Self.normalize(parts[0])] = parts[1]
        }
    }

    public static func load(_ path: String) -> RequirementsLock? {
        FileManager.default.contents(atPath: path).map { RequirementsLock(text: String(decoding: $0, as: UTF8.self)) }
    }

    /// Lines joined where they end in `\`, comments dropped; with the number
    /// of the line each starts on.
    static func logicalLines(_ text: String) -> [(String, Int)] {
        var lines: [(String, Int)] = []
        var current = ""
        var start = 0
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(raw)
            if let comment = line.range(of: "#"), comment.lowerBound == line.startIndex || line[line.index(before: comment.lowerBound)] == " " {
                line = line[..<comment.lowerBound]
            }
            if current.isEmpty { start = index + 1 }
            let continued = line.trimmingCharacters(in: .whitespaces).hasSuffix("\\")
            current += " " + line.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\\"))
            if !continued {
                let joined = current.split(separator: " ").joined(separator: " ")
                if !joined.isEmpty { lines.append((joined, start)) }
                current = ""
            }
        }
        return lines
    }

    /// PEP 503: case and runs of `-`, `_`, `.` do not matter.
    public static func normalize(_ name: String) -> String {
        var result = ""
        var separator = false
        for character in name.lowercased() {
            if "-_.".contains(character) {
                separator = true
            } else {
                if separator && !result.isEmpty { result += "-" }
                separator = false
                result.append(character)
            }
        }
        return result
    }

    /// `pip freeze --all` output → normalised name → version; `pip` itself,
    /// the installer that comes with the venv, is left out. A line that is
    /// not `name==version` (an editable or direct URL install) keeps its
    /// whole text as the version, so it never matches a lock.
    public static func installed(freeze: String) -> [String: String] {
        var packages: [String: String] = [:]
        for line in freeze.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) where !line.isEmpty && !line.hasPrefix("#") {
            let parts = line.components(separatedBy: "==")
            let name = normalize(parts.count == 2 ? parts[0] : String(line.prefix { $0 != " " && $0 != "@" }))
            if name == "pip" { continue }
            packages[name] = parts.count == 2 ? parts[1] : line
        }
        return packages
    }

    /// How `installed` differs from the pins, said for people; empty when the same.
    public func differences(from installed: [String: String]) -> [String] {
        var found: [String] = []
        for (name, version) in installed.sorted(by: { $0.key < $1.key }) {
            if let pinned = pins[name] {
                if pinned != version { found.append("\(name) is \(version), the lock says \(pinned)") }
            } else {
                found.append("\(name) \(version) is not in the lock")
            }
        }
        for name in pins.keys.sorted() where installed[name] == nil {
            found.append("\(name) \(pins[name]!) is missing")
        }
        return found
    }
}
