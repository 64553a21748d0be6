import AudioCodec
import Foundation

/// Test audio, written with libsndfile.
public enum TestSignals {
    /// Writes `seconds` of audio whose sample for (frame, channel) is `sample`.
    public static func write(
        _ path: String, rate: Int = 44100, channels: Int = 2, seconds: Double, format: WavSampleFormat = .pcm16,
        _ sample: (Int, Int) -> Float
    ) throws {
        let writer = try WavWriter(path: path, sampleRate: rate, channels: channels, format: format)
        let frames = Int((seconds * Double(rate)).rounded())
        var chunk = [Float](repeating: 0, count: 4096 * channels)
        var done = 0
        while done < frames {
            let count = min(4096, frames - done)
            for frame in 0..<count {
                for channel in 0..<channels { chunk[frame * channels + channel] = sample(done + frame, channel) }
            }
            try chunk.withUnsafeBufferPointer { try writer.write(UnsafeBufferPointer(rebasing: $0[0..<(count * channels)])) }
            done += count
        }
        try writer.finish()
    }

    public static func sine(_ path: String, frequency: Double, rate: Int = 44100, channels: Int = 2, seconds: Double, amplitude: Float = 0.5) throws {
        try write(path, rate: rate, channels: channels, seconds: seconds) { frame, _ in
            amplitude * Float(sin(2 * .pi * frequency * Double(frame) / Double(rate)))
        }
    }

    /// White noise from a fixed seed, so every run measures the same signal.
    public static func noise(_ path: String, rate: Int = 44100, channels: Int = 2, seconds: Double, amplitude: Float = 0.1) throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        try write(path, rate: rate, channels: channels, seconds: seconds) { _, _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return amplitude * (Float(state >> 40) / Float(1 << 24) * 2 - 1)
        }
    }

    /// Reads a whole file as interleaved floats.
    public static func read(_ path: String) throws -> (AudioProperties, [Float]) {
        let reader = try SoundFileReader(path: path)
        var samples: [Float] = []
        var buffer = [Float](repeating: 0, count: 8192 * reader.properties.channels)
        while true {
            let frames = try buffer.withUnsafeMutableBufferPointer { try reader.read(into: $0) }
            if frames == 0 { break }
            samples += buffer[0..<(frames * reader.properties.channels)]
        }
        return (reader.properties, samples)
    }

    /// Frequency of channel 0 from its upward zero crossings.
    public static func frequency(_ samples: [Float], channels: Int, rate: Int) -> Double {
        var crossings = 0
        var previous: Float = 0
        for index in stride(from: 0, to: samples.count, by: channels) {
            if previous < 0 && samples[index] >= 0 { crossings += 1 }
            previous = samples[index]
        }
        return Double(crossings) / (Double(samples.count / channels) / Double(rate))
    }
}
