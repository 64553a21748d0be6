import AudioCodec
import Foundation
import Glibc

/// What ffprobe, an independent decoder, says about a file.
public struct Probe: Sendable {
    public var formatName: String
    public var duration: Double
    public var bitRate: Int?
    public var codec: String
    public var sampleRate: Int
    public var channels: Int
    public var bitsPerSample: Int?
    public var tags: [String: String]

    public init(_ path: String) async throws {
        let result = try await ChildProcess.run(
            "/usr/bin/ffprobe", ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", path])
        guard result.status == 0,
              let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
              let format = json["format"] as? [String: Any],
              let stream = (json["streams"] as? [[String: Any]])?.first
        else { throw TimedOut(description: "ffprobe cannot read \(path): \(result.stderr)") }
        formatName = format["format_name"] as? String ?? ""
        duration = Double(format["duration"] as? String ?? "") ?? -1
        bitRate = Int(format["bit_rate"] as? String ?? "")
        codec = stream["codec_name"] as? String ?? ""
        sampleRate = Int(stream["sample_rate"] as? String ?? "") ?? -1
        channels = stream["channels"] as? Int ?? -1
        bitsPerSample = Int(stream["bits_per_raw_sample"] as? String ?? "")
        let raw = (format["tags"] as? [String: String] ?? [:]).merging(stream["tags"] as? [String: String] ?? [:]) { a, _ in a }
        tags = Dictionary(uniqueKeysWithValues: raw.map { ($0.key.lowercased(), $0.value) })
    }

    /// A chapter as `ffprobe -show_chapters` reads it.
    public struct Chapter: Sendable, Equatable {
        public var title: String
        public var start: Double
        public var end: Double
    }

    /// The chapters ffprobe finds in a file, in order.
    public static func chapters(_ path: String) async throws -> [Chapter] {
        let result = try await ChildProcess.run("/usr/bin/ffprobe", ["-v", "error", "-print_format", "json", "-show_chapters", path])
        guard result.status == 0, let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw TimedOut(description: "ffprobe cannot read the chapters of \(path): \(result.stderr)")
        }
        return (json["chapters"] as? [[String: Any]] ?? []).map { chapter in
            Chapter(
                title: (chapter["tags"] as? [String: String])?["title"] ?? "",
                start: Double(chapter["start_time"] as? String ?? "") ?? -1,
                end: Double(chapter["end_time"] as? String ?? "") ?? -1)
        }
    }

    /// What ffmpeg decodes from a file (what a player plays): its length in
    /// frames, rate and channels, decoded to a WAV beside it.
    public static func decoded(_ path: String, inputOptions: [String] = []) async throws -> AudioProperties {
        let wav = path + ".decoded.wav"
        defer { unlink(wav) }
        let result = try await ChildProcess.run(
            "/usr/bin/ffmpeg", ["-v", "error", "-nostdin", "-y"] + inputOptions + ["-i", path, "-map", "0:a", "-c:a", "pcm_s16le", wav])
        guard result.status == 0 else { throw TimedOut(description: "ffmpeg cannot decode \(path): \(result.stderr)") }
        return try SoundFileReader(path: wav).properties
    }

    /// Integrated loudness and true peak, as ffmpeg's ebur128 filter measures them.
    public static func loudness(_ path: String) async throws -> (lufs: Double, truePeakDB: Double) {
        let result = try await ChildProcess.run(
            "/usr/bin/ffmpeg", ["-hide_banner", "-nostats", "-i", path, "-af", "ebur128=peak=true", "-f", "null", "-"])
        // The summary comes last: "I: -16.0 LUFS" … "Peak: -5.8 dBFS".
        let summary = result.stderr.components(separatedBy: "Summary:").last ?? ""
        func value(after label: String) -> Double? {
            guard let range = summary.range(of: label) else { return nil }
            return Double(summary[range.upperBound...].trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
        }
        guard let lufs = value(after: "I:"), let peak = value(after: "Peak:") else {
            throw TimedOut(description: "ffmpeg ebur128 gave no summary for \(path): \(result.stderr.suffix(500))")
        }
        return (lufs, peak)
    }
}
