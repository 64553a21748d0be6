import AudioCodec
import AudioSpoolTestKit
import Foundation
import Spool
import Testing

/// The frames and a rough pitch of a WAV file, read with libsndfile.
struct Audio {
    var properties: AudioProperties
    var samples: [Float]

    init(_ path: String) throws {
        let reader = try SoundFileReader(path: path)
        properties = reader.properties
        samples = []
        var buffer = [Float](repeating: 0, count: 8192 * properties.channels)
        while true {
            let frames = try buffer.withUnsafeMutableBufferPointer { try reader.read(into: $0) }
            if frames == 0 { break }
            samples += buffer[0..<(frames * properties.channels)]
        }
    }

    var seconds: Double { Double(samples.count / properties.channels) / Double(properties.sampleRate) }

    /// Frequency from upward zero crossings of the first channel.
    var frequency: Double {
        var crossings = 0
        var previous: Float = 0
        for index in stride(from: 0, to: samples.count, by: properties.channels) {
            let sample = samples[index]
            if previous < 0 && sample >= 0 { crossings += 1 }
            previous = sample
        }
        return Double(crossings) / seconds
    }
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
        let result = try await ChildProcess.run(Repository.executable, ["submit"] + arguments + ["--spool", spool.root, "--engines", engines])
        try #require(result.status == 0, "\(result.summary)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
