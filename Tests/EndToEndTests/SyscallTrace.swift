import AudioSpoolTestKit
import Foundation
import Testing

/// The fsyncs and renames a command makes, in the order it made them, from
/// `strace -f -y` (every descriptor shown with its path). Each call is
/// taken from the line where it starts: a call another thread interrupted
/// (`<unfinished ...>`) is where it began, its `<... resumed>` line is skipped.
struct SyscallTrace {
    enum Call: Equatable, CustomStringConvertible {
        /// fsync or fdatasync of this path.
        case sync(String)
        case rename(from: String, to: String)

        var description: String {
            switch self {
            case .sync(let path): "fsync \(path)"
            case .rename(let from, let to): "rename \(from) -> \(to)"
            }
        }
    }

    let calls: [Call]

    /// Runs `arguments` under strace and returns what it traced.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], in directory: TemporaryDirectory
    ) async throws -> (SyscallTrace, ChildProcess.Result) {
        let output = directory.file("strace-\(UInt32.random(in: 0...UInt32.max)).txt")
        let result = try await ChildProcess.run(
            "/usr/bin/strace",
            ["-f", "-qq", "-y", "-s", "4096", "-e", "trace=fsync,fdatasync,rename,renameat,renameat2", "-o", output, executable] + arguments,
            environment: environment)
        let text = try String(contentsOfFile: output, encoding: .utf8)
        return (SyscallTrace(parsing: text), result)
    }

    init(parsing text: String) {
        var calls: [Call] = []
        for line in text.split(separator: "\n").map(String.init) where !line.contains("resumed>") {
            // "PID name(args) = result", or "PID name(args <unfinished ...>".
            guard let open = line.firstIndex(of: "("), let space = line[..<open].lastIndex(of: " ") else { continue }
            let name = String(line[line.index(after: space)..<open])
            if line.contains(") = -1") { continue }  // failed calls published nothing
            let arguments = String(line[line.index(after: open)...])
            switch name {
            case "fsync", "fdatasync":
                if let path = Self.descriptorPaths(arguments).first { calls.append(.sync(path)) }
            case "rename":
                let strings = Self.strings(arguments)
                if strings.count >= 2 { calls.append(.rename(from: strings[0], to: strings[1])) }
            case "renameat", "renameat2":
                // dirfd<dir>, "name", dirfd<dir>, "name": each name joined to its folder.
                let parts = Self.splitArguments(arguments)
                guard parts.count >= 4, let from = Self.join(parts[0], parts[1]), let to = Self.join(parts[2], parts[3]) else { continue }
                calls.append(.rename(from: from, to: to))
            default:
                continue
            }
        }
        self.calls = calls
    }

    /// The index of the first call matching `predicate`.
    func first(_ what: String, after start: Int = -1, _ predicate: (Call) -> Bool) throws -> Int {
        guard let index = calls.indices.first(where: { $0 > start && predicate(calls[$0]) }) else {
            throw TraceMissing(description: "no \(what) after call \(start) in the trace:\n" + calls.enumerated().map { "\($0.offset): \($0.element)" }.joined(separator: "\n"))
        }
        return index
    }

    /// The index of the last call matching `predicate` before `end`.
    func last(_ what: String, before end: Int, _ predicate: (Call) -> Bool) throws -> Int {
        guard let index = calls.indices.last(where: { $0 < end && predicate(calls[$0]) }) else {
            throw TraceMissing(description: "no \(what) before call \(end) in the trace:\n" + calls.enumerated().map { "\($0.offset): \($0.element)" }.joined(separator: "\n"))
        }
        return index
    }

    var syncs: [String] { calls.compactMap { if case .sync(let path) = $0 { path } else { nil } } }

    struct TraceMissing: Error, CustomStringConvertible {
        var description: String
    }

    // MARK: Parsing strace's argument list

    /// `fd</path>` → `/path`.
    private static func descriptorPaths(_ text: String) -> [String] {
        var paths: [String] = []
        var rest = Substring(text)
        while let start = rest.range(of: "</"), let end = rest[start.upperBound...].firstIndex(of: ">") {
            paths.append("/" + String(rest[start.upperBound..<end]))
            rest = rest[rest.index(after: end)...]
        }
        return paths
    }

    /// The quoted strings, unescaped for the few escapes paths here carry.
    private static func strings(_ text: String) -> [String] {
        splitArguments(text).compactMap { part in
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("\""), trimmed.hasSuffix("\"") || trimmed.hasSuffix("\"...") else { return nil }
            return String(trimmed.dropFirst().prefix { $0 != "\"" })
        }
    }

    /// Top-level arguments, split on commas outside quotes and `<...>`.
    private static func splitArguments(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var quoted = false
        var angle = 0
        var escaped = false
        for character in text {
            if escaped { current.append(character); escaped = false; continue }
            if character == "\\" && quoted { escaped = true; current.append(character); continue }
            if character == "\"" { quoted.toggle() }
            if !quoted && character == "<" { angle += 1 }
            if !quoted && character == ">" { angle -= 1 }
            if !quoted && angle == 0 && character == ")" { break }
            if !quoted && angle == 0 && character == "," {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
                continue
            }
            current.append(character)
        }
        parts.append(current.trimmingCharacters(in: .whitespaces))
        return parts
    }

    /// A `dirfd</dir>` and a `"name"`: an absolute name stands alone.
    private static func join(_ descriptor: String, _ name: String) -> String? {
        guard let name = strings(name).first else { return nil }
        if name.hasPrefix("/") { return name }
        guard let folder = descriptorPaths(descriptor).first else { return nil }
        return folder + "/" + name
    }
}
