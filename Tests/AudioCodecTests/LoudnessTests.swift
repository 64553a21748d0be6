@testable import AudioCodec
import AudioSpoolTestKit
import Foundation
import Testing

/// Loudness normalisation reaches its target under a true-peak ceiling, as
/// ffmpeg's ebur128 filter (an independent meter) measures it.
@Suite(.timeLimit(.minutes(5))) struct LoudnessTests {
    let directory = TemporaryDirectory()

    enum Signal: String, CaseIterable, Sendable {
        /// espeak-ng, peak-normalised like every TTS engine's output.
        case speech
        case pinkNoise
        case sine

        func write(_ path: String) async throws {
            switch self {
            case .speech: try await Speech.espeak(path)
            case .pinkNoise: try await Speech.pinkNoise(path, seconds: 6)
            case .sine: try TestSignals.sine(path, frequency: 1000, seconds: 5, amplitude: 0.9)
            }
        }
    }

    static let targets: [(lufs: Double, ceiling: Double)] = [(-16, -1), (-19, -1.5), (-23, -2)]

    @Test(arguments: Signal.allCases, targets)
    func theTargetIsReachedUnderTheCeiling(signal: Signal, target: (lufs: Double, ceiling: Double)) async throws {
        let source = directory.file("\(signal)-\(target.lufs).wav")
        try await signal.write(source)
        let loudness = LoudnessTarget(integratedLUFS: target.lufs, truePeakDB: target.ceiling)
        let outputs = [
            Transcoder.Output(path: directory.file("\(signal)\(target.lufs).wav"), settings: EncoderSettings(format: .wav(.pcm16), loudness: loudness)),
            Transcoder.Output(
                path: directory.file("\(signal)\(target.lufs).flac"),
                settings: EncoderSettings(format: .flac(compressionLevel: 5, bitsPerSample: 24), loudness: loudness)),
            // Resampled first, then levelled and limited at the output's rate.
            Transcoder.Output(
                path: directory.file("\(signal)\(target.lufs)-48k.wav"),
                settings: EncoderSettings(format: .wav(.float32), sampleRate: 48000, loudness: loudness)),
        ]
        let written = try Transcoder().encode({ () throws(AudioError) in try SoundFileReader(path: source) }, to: outputs)
        for (output, result) in zip(outputs, written) {
            let measured = try await Probe.loudness(output.path)
            let report = try #require(result.loudness)
            #expect(abs(measured.lufs - target.lufs) <= 0.5, "\(output.path): ffmpeg measures \(measured.lufs) LUFS for \(target.lufs)")
            #expect(measured.truePeakDB <= target.ceiling + 0.1, "\(output.path): true peak \(measured.truePeakDB) over \(target.ceiling)")
            // What we report is what an independent meter finds.
            #expect(abs((report.integratedLUFS ?? 0) - measured.lufs) <= 0.15, "\(report) against ffmpeg's \(measured)")
            #expect(abs(report.truePeakDB - measured.truePeakDB) <= 0.3, "\(report) against ffmpeg's \(measured)")
            let stats = try await Speech.soxStats(output.path)
            #expect(abs(report.rmsDB - stats.rmsDB) <= 0.1 && abs(report.samplePeakDB - stats.peakDB) <= 0.1, "\(report) against sox's \(stats)")
        }
        if signal == .speech && target.lufs == -16 {
            // Peak-normalised speech cannot reach -16 LUFS without the limiter.
            #expect((written[0].loudness?.limiterMaxDB ?? 0) > 2)
        }
        if signal == .sine { #expect(written[0].loudness?.limiterMaxDB == nil, "a sine's peaks are 3 dB over its level: nothing to limit") }
    }

    @Test func tenMinutesOfSpeechReachTheTarget() async throws {
        let source = directory.file("long.wav")
        try await Speech.espeak(source, repeats: 58)
        let output = directory.file("long.flac")
        let written = try Transcoder().encode(
            input: source, output: output,
            settings: EncoderSettings(format: .flac(compressionLevel: 5, bitsPerSample: 16), loudness: .podcast))
        #expect((written.properties.durationSeconds ?? 0) > 600)
        let measured = try await Probe.loudness(output)
        #expect(abs(measured.lufs + 16) <= 0.5, "ffmpeg measures \(measured.lufs) LUFS")
        #expect(measured.truePeakDB <= -1 + 0.1)
    }

    @Test func sparseClicksCannotBeMadeLoudButTheCeilingHolds() async throws {
        // Reaching -10 LUFS would need the clicks far above full scale; the
        // limiter's correction is capped, so the target is missed, not the ceiling.
        let source = directory.file("clicks.wav")
        try TestSignals.write(source, channels: 1, seconds: 4) { frame, _ in frame % 22050 < 40 ? 0.3 : 0 }
        let output = directory.file("clicks-normalised.wav")
        let written = try Transcoder().encode(
            input: source, output: output,
            settings: EncoderSettings(format: .wav(.float32), loudness: LoudnessTarget(integratedLUFS: -10, truePeakDB: -3)))
        let measured = try await Probe.loudness(output)
        #expect(measured.truePeakDB <= -3 + 0.1, "true peak \(measured.truePeakDB) dBTP over a -3 dBTP ceiling")
        #expect(measured.lufs < -10.5)
        #expect((written.loudness?.limiterMaxDB ?? 0) > 10)
    }

    /// The limiter's gain moves smoothly: it adds no sample-to-sample jump
    /// that the gained, unlimited signal did not have.
    @Test(arguments: ["speech", "tone burst"])
    func theLimiterAddsNoClicks(signal: String) async throws {
        let source = directory.file("\(signal).wav")
        let rate = 22050
        if signal == "speech" {
            try await Speech.espeak(source)
        } else {
            // Quiet, then abruptly loud at a zero crossing: the limiter must duck at once.
            try TestSignals.write(source, rate: rate, channels: 1, seconds: 2) { frame, _ in
                Float(frame < rate ? 0.05 : 0.95) * Float(sin(2 * .pi * 1000 * Double(frame) / Double(rate)))
            }
        }
        let input = try TestSignals.read(source).1
        let gain: Float = pow(10, 8 / 20)
        let ceiling: Float = pow(10, -1 / 20)
        let limiter = try TruePeakLimiter(sampleRate: rate, channels: 1, gainDB: 8, ceilingDB: -1)
        var limited: [Float] = []
        for start in stride(from: 0, to: input.count, by: 4096) {
            input[start..<min(start + 4096, input.count)].withUnsafeBufferPointer { limited += limiter.process($0) }
        }
        limited += limiter.flush()
        #expect(limited.count == input.count)
        #expect(limiter.maximumReductionDB > 3)
        // Within float rounding (a few parts in ten million) of the ceiling.
        #expect(limited.allSatisfy { abs($0) <= ceiling * 1.000_01 }, "peak \(limited.map(abs).max() ?? 0) over \(ceiling)")
        func largestJump(_ samples: [Float]) -> Float {
            zip(samples.dropFirst(), samples).map { abs($0 - $1) }.max() ?? 0
        }
        let threshold =
            signal == "speech"
            ? largestJump(input.map { $0 * gain })
            // A sine no louder than the ceiling moves at most this far between samples.
            : ceiling * Float(2 * Double.pi * 1000 / Double(rate)) * 1.02
        #expect(largestJump(limited) <= threshold, "jump \(largestJump(limited)) over \(threshold)")
    }
}
