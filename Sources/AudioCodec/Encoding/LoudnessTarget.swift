/// A level to normalise to, with a ceiling for true peaks that a limiter
/// holds.
public struct LoudnessTarget: Sendable, Equatable, Hashable {
    public enum Measure: Sendable, Equatable, Hashable {
        /// EBU R128 integrated loudness, LUFS.
        case integratedLUFS
        /// The RMS of all samples, dBFS (ACX's measure for audiobooks).
        case rmsDB
    }

    public var measure: Measure
    /// LUFS or dBFS, as `measure` says.
    public var level: Double
    /// The highest true peak allowed, dBTP.
    public var truePeakDB: Double

    public init(integratedLUFS: Double, truePeakDB: Double = -1) {
        measure = .integratedLUFS
        level = integratedLUFS
        self.truePeakDB = truePeakDB
    }

    public init(rmsDB: Double, truePeakDB: Double) {
        measure = .rmsDB
        level = rmsDB
        self.truePeakDB = truePeakDB
    }

    /// −16 LUFS, −1 dBTP.
    public static let podcast = LoudnessTarget(integratedLUFS: -16, truePeakDB: -1)
    /// EBU R128: −23 LUFS, −1 dBTP.
    public static let broadcast = LoudnessTarget(integratedLUFS: -23, truePeakDB: -1)
    /// ACX: RMS between −23 and −18 dB, peaks at or below −3 dBFS. The middle
    /// of the range, and a ceiling half a dB inside ACX's for the codec's
    /// own change (ACX takes MP3).
    public static let audiobook = LoudnessTarget(rmsDB: -20, truePeakDB: -3.5)
}

/// What was measured on the audio an output was written from (after the
/// gain and the limiter, before the encoder).
public struct LoudnessReport: Sendable, Equatable {
    /// nil for silence (below the gate).
    public var integratedLUFS: Double?
    public var truePeakDB: Double
    public var loudnessRangeLU: Double
    public var rmsDB: Double
    public var samplePeakDB: Double
    /// The largest gain reduction the limiter applied, dB; nil when it did not act.
    public var limiterMaxDB: Double?
}
