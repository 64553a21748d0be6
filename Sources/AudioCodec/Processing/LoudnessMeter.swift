import CEbur128
import CSampleConversion
import Foundation

/// EBU R128 loudness (integrated, and on request true peak and loudness
/// range) with libebur128, and the RMS and sample peak of every sample.
/// Memory stays fixed in the input's length: libebur128 keeps its gating
/// blocks as a histogram. Without EBUR128_MODE_HISTOGRAM it keeps every
/// 100 ms block in a list, about 2.5 MB over three hours.
final class LoudnessMeter {
    private var state: UnsafeMutablePointer<ebur128_state>?
    let channels: Int
    private var sumSquares = 0.0
    private var samples = 0
    private var peak: Float = 0

    /// `full` adds true peak and loudness range, which cost more to measure.
    init(sampleRate: Int, channels: Int, full: Bool = true) throws(AudioError) {
        var mode = EBUR128_MODE_I.rawValue | EBUR128_MODE_HISTOGRAM.rawValue
        if full { mode |= EBUR128_MODE_TRUE_PEAK.rawValue | EBUR128_MODE_LRA.rawValue }
        guard let state = ebur128_init(UInt32(channels), UInt(sampleRate), Int32(mode)) else {
            throw AudioError(.unsupportedSettings, "cannot measure loudness of \(channels) channels at \(sampleRate) Hz")
        }
        self.state = state
        self.channels = channels
    }

    deinit {
        ebur128_destroy(&state)
    }

    func add(_ samples: UnsafeBufferPointer<Float>) {
        let frames = samples.count / channels
        guard frames > 0 else { return }
        ebur128_add_frames_float(state, samples.baseAddress, frames)
        audiospool_accumulate_power(samples.baseAddress, samples.count, &sumSquares, &peak)
        self.samples += samples.count
    }

    /// Integrated loudness in LUFS; nil for silence (below the gate).
    var integratedLUFS: Double? {
        var value = 0.0
        guard ebur128_loudness_global(state, &value) == EBUR128_SUCCESS.rawValue, value.isFinite else { return nil }
        return value
    }

    /// The highest true peak over all channels, in dBTP.
    var truePeakDB: Double {
        var highest = 0.0
        for channel in 0..<channels {
            var peak = 0.0
            if ebur128_true_peak(state, UInt32(channel), &peak) == EBUR128_SUCCESS.rawValue { highest = max(highest, peak) }
        }
        return Self.decibels(highest)
    }

    var loudnessRangeLU: Double {
        var value = 0.0
        guard ebur128_loudness_range(state, &value) == EBUR128_SUCCESS.rawValue, value.isFinite else { return 0 }
        return value
    }

    /// The RMS of all samples, dBFS (a full-scale square wave is 0); nil for digital silence.
    var rmsDB: Double? {
        guard samples > 0, sumSquares > 0 else { return nil }
        return 10 * log10(sumSquares / Double(samples))
    }

    var samplePeakDB: Double { Self.decibels(Double(peak)) }

    /// The measured level in the target's measure; nil for silence.
    func level(of measure: LoudnessTarget.Measure) -> Double? {
        switch measure {
        case .integratedLUFS: integratedLUFS
        case .rmsDB: rmsDB
        }
    }

    func report(limiterMaxDB: Double?) -> LoudnessReport {
        LoudnessReport(
            integratedLUFS: integratedLUFS, truePeakDB: truePeakDB, loudnessRangeLU: loudnessRangeLU,
            rmsDB: rmsDB ?? -.infinity, samplePeakDB: samplePeakDB, limiterMaxDB: limiterMaxDB)
    }

    private static func decibels(_ amplitude: Double) -> Double {
        amplitude > 0 ? 20 * log10(amplitude) : -.infinity
    }
}
