import AudioCodec
import Spool

extension JobResult.Output {
    /// What was measured on a normalised output, to 0.01 dB; levels of
    /// silence (minus infinity) are left out, as JSON has no number for them.
    mutating func record(_ loudness: LoudnessReport) {
        func finite(_ value: Double?) -> Double? {
            value.flatMap { $0.isFinite ? $0.rounded(toPlaces: 2) : nil }
        }
        loudnessLUFS = finite(loudness.integratedLUFS)
        truePeakDB = finite(loudness.truePeakDB)
        loudnessRangeLU = finite(loudness.loudnessRangeLU)
        rmsDB = finite(loudness.rmsDB)
        peakDB = finite(loudness.samplePeakDB)
        limiterMaxDB = finite(loudness.limiterMaxDB)
    }
}
