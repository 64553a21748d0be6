import CSampleConversion
import Foundation

/// Gain, then a look-ahead limiter that holds the true peak (BS.1770: the
/// peak of the signal oversampled 4× at 44.1 and 48 kHz, more at lower
/// rates such as Piper's 22.05 kHz) under a ceiling. The gain reaches the
/// needed reduction over 5 ms before a peak and recovers over about 100 ms,
/// so speech neither clicks nor pumps.
///
/// Ours, because no library fitted: libavfilter's `alimiter` limits sample
/// peaks (inter-sample peaks pass over the ceiling), and `loudnorm`'s
/// dynamic mode resamples to 192 kHz and misses its target (−18.2 LUFS for
/// −16 on Piper's demo). The per-sample loop is C (limiter.c).
final class TruePeakLimiter {
    private let state: OpaquePointer
    let channels: Int
    private var output: [Float] = []

    /// Look-ahead and release, in seconds.
    static let lookahead = 0.005
    static let release = 0.1

    /// Oversampling for true peaks: 4× at 44.1 kHz and above (BS.1770), and
    /// enough at lower rates to look at about 176 kHz (8× at 22.05 kHz).
    static func oversampling(forRate rate: Int) -> Int {
        min(32, max(2, Int((176_400.0 / Double(rate)).rounded(.up))))
    }

    init(sampleRate: Int, channels: Int, gainDB: Double, ceilingDB: Double) throws(AudioError) {
        guard let state = audiospool_limiter_create(
            channels, Self.oversampling(forRate: sampleRate), max(2, Int(Self.lookahead * Double(sampleRate))),
            max(1, Int(Self.release * Double(sampleRate))), Float(pow(10, ceilingDB / 20)), Float(pow(10, gainDB / 20)))
        else {
            throw AudioError(.unsupportedSettings, "cannot limit \(channels) channels at \(sampleRate) Hz")
        }
        self.state = state
        self.channels = channels
    }

    deinit {
        audiospool_limiter_destroy(state)
    }

    /// Gains and limits `input` (interleaved); the result, a little behind
    /// the input (the look-ahead), is valid until the next call.
    func process(_ input: UnsafeBufferPointer<Float>) -> UnsafeBufferPointer<Float> {
        let frames = input.count / channels
        if output.count < max(frames, latency) * channels { output = [Float](repeating: 0, count: max(frames, latency) * channels) }
        let written = output.withUnsafeMutableBufferPointer { out in
            audiospool_limiter_process(state, input.baseAddress, frames, out.baseAddress)
        }
        return output.withUnsafeBufferPointer { UnsafeBufferPointer(rebasing: $0[0..<(written * channels)]) }
    }

    /// The frames still held back, once the input has ended.
    func flush() -> UnsafeBufferPointer<Float> {
        if output.count < latency * channels { output = [Float](repeating: 0, count: latency * channels) }
        let written = output.withUnsafeMutableBufferPointer { out in
            audiospool_limiter_flush(state, out.baseAddress)
        }
        return output.withUnsafeBufferPointer { UnsafeBufferPointer(rebasing: $0[0..<(written * channels)]) }
    }

    private var latency: Int { audiospool_limiter_latency(state) }

    /// The largest gain reduction applied, dB (0: it never acted).
    var maximumReductionDB: Double {
        -20 * log10(Double(audiospool_limiter_lowest_gain(state)))
    }
}
