import AudioCodec
import AudioSpoolTestKit
import Foundation
import Spool
import Testing

/// A decoded file and its pitch (TestSignals does the work).
struct Audio {
    var properties: AudioProperties
    var samples: [Float]

    init(_ path: String) throws {
        (properties, samples) = try TestSignals.read(path)
    }

    var seconds: Double { Double(samples.count / properties.channels) / Double(properties.sampleRate) }

    var frequency: Double { TestSignals.frequency(samples, channels: properties.channels, rate: properties.sampleRate) }
}

/// The process ids of `pid`'s children (an engine is a supervisor's child).
func children(of pid: Int32) async throws -> [Int32] {
    let result = try await ChildProcess.run("/usr/bin/pgrep", ["-P", "\(pid)"])
    return result.stdout.split(separator: "\n").compactMap { Int32($0) }
}

func sha256(_ path: String) async throws -> String {
    let result = try await ChildProcess.run("/usr/bin/sha256sum", [path])
    return String(result.stdout.prefix(64))
}

extension SpoolFixture {
    /// Waits until the job's folder is in `folder`.
    func waitFor(_ id: String, in folder: Spool.Folder, timeout: Duration = .seconds(30)) async throws {
        try await waitUntil("\(id) is in \(folder.rawValue)/", timeout: timeout) {
            FileManager.default.fileExists(atPath: spool.path(of: folder, id))
        }
    }

    /// Submits with the CLI and returns the printed id.
    func submit(_ arguments: String...) async throws -> String {
        try await submit(arguments)
    }

    func submit(_ arguments: [String]) async throws -> String {
        let result = try await ChildProcess.run(Repository.executable, ["submit"] + arguments + ["--spool", spool.root, "--engines", engines])
        try #require(result.status == 0, "\(result.summary)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The transitions state/events.jsonl records for one job, in order.
    func events(of id: String) -> [String] {
        spool.events.read().filter { $0.job == id }.map(\.event.rawValue)
    }
}
