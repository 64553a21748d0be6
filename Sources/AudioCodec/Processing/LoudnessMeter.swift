import CEbur128
import Foundation

/// EBU R128 integrated loudness and true peak, measured with libebur128.
final class LoudnessMeter {
    private var state: UnsafeMutablePointer<ebur128_state>?
    let channels: Int

    init(sampleRate: Int, channels: Int) throws(AudioError) {
        let mode = Int32(EBUR128_MODE_I.rawValue | EBUR128_MODE_TRUE_PEAK.rawValue)
        guard let state = ebur128_init(UInt32(channels), UInt(sampleRate), mode) else {
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
        if frames > 0 { ebur128_add_frames_float(state, samples.baseAddress, frames) }
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
        return highest > 0 ? 20 * log10(highest) : -.infinity
    }

    /// The gain, in dB, that brings the audio to `target` without a true
    /// peak above its ceiling. Silence gets no gain.
    func gain(for target: LoudnessTarget) -> Double {
        guard let loudness = integratedLUFS else { return 0 }
        return min(target.integratedLUFS - loudness, target.truePeakDB - truePeakDB)
    }
}
