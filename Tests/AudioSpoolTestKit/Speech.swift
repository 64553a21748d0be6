import Foundation

/// Speech and noise made by independent tools (espeak-ng, sox), and sox's
/// meter for RMS and peak.
public enum Speech {
    public static let text = """
        The quick brown fox jumps over the lazy dog. Loudness normalisation should reach its target, \
        even on speech that is already as loud as it can be. This sentence makes it long enough to measure.
        """

    /// espeak-ng's voice (22.05 kHz mono), peak-normalised to 0 dBFS as TTS engines do.
    public static func espeak(_ path: String, text: String = Speech.text, repeats: Int = 1) async throws {
        let raw = path + ".raw.wav"
        defer { unlink(raw) }
        try await run("/usr/bin/espeak-ng", ["-w", raw, text])
        var arguments = [raw, path, "gain", "-n", "0"]
        if repeats > 1 { arguments += ["repeat", String(repeats - 1)] }
        try await run("/usr/bin/sox", arguments)
    }

    /// Pink noise from sox (44.1 kHz stereo, 16-bit), a fixed seed.
    public static func pinkNoise(_ path: String, seconds: Double, rate: Int = 44100, channels: Int = 2) async throws {
        try await run("/usr/bin/sox", ["-R", "-n", "-r", String(rate), "-c", String(channels), "-b", "16", path, "synth", String(seconds), "pinknoise", "gain", "-n", "-3"])
    }

    /// sox's `stats`: the RMS and peak of all channels, dBFS.
    public static func soxStats(_ path: String) async throws -> (rmsDB: Double, peakDB: Double) {
        let result = try await ChildProcess.run("/usr/bin/sox", [path, "-n", "stats"])
        func value(_ label: String) -> Double? {
            guard let line = result.stderr.split(separator: "\n").first(where: { $0.hasPrefix(label) }) else { return nil }
            return Double(line.dropFirst(label.count).split(separator: " ").first ?? "")
        }
        guard let rms = value("RMS lev dB"), let peak = value("Pk lev dB") else {
            throw TimedOut(description: "sox stats gave no levels for \(path): \(result.stderr)")
        }
        return (rms, peak)
    }

    private static func run(_ executable: String, _ arguments: [String]) async throws {
        let result = try await ChildProcess.run(executable, arguments)
        guard result.status == 0 else { throw TimedOut(description: "\(executable) failed: \(result.summary)") }
    }
}
