/// Finding the gain that brings each output to its loudness target once the
/// true-peak limiter has taken its share. Each pass streams the source from
/// its start; nothing but meters is kept between passes.
extension Transcoder {
    /// Outputs that share a channel layout, rate and target share one
    /// measurement (an MP3 and a FLAC of the same audio, say).
    struct LevelingKey: Hashable {
        var channels: Int
        var rate: Int
        var target: LoudnessTarget
    }

    /// How close to its target a measured pass must be to end the search,
    /// and how many passes with the limiter it may take.
    static let levelTolerance = 0.05
    static let correctionPasses = 3
    /// The most the correction may add to the plain gain, dB: beyond that
    /// the limiter would only flatten the audio (sparse clicks cannot be
    /// made loud), and the target is missed rather than the audio ruined.
    static let maximumCorrectionDB = 6.0

    /// The gain and ceiling of each output (nil for outputs without a
    /// target, or whose audio is silent). Reads `first`, then sources from
    /// `again` for the passes with the limiter.
    func levelings(
        first: any AudioSource, again makeSource: () throws(AudioError) -> any AudioSource, outputs: [Output]
    ) throws(AudioError) -> [OutputChain.Leveling?] {
        let input = first.properties
        let keys = outputs.map { output in
            output.settings.loudness.map { target in
                LevelingKey(
                    channels: output.settings.channels ?? input.channels, rate: output.settings.outputRate(for: input.sampleRate),
                    target: target)
            }
        }
        var unique: [LevelingKey] = []
        for case let key? in keys where !unique.contains(key) { unique.append(key) }

        // Pass 1: the level and true peak of the audio as it is.
        let plain = try measure(first, unique.map { ($0, nil) }, full: true)
        var searches: [LevelingKey: Search] = [:]
        var found: [LevelingKey: OutputChain.Leveling] = [:]
        for (index, key) in unique.enumerated() {
            guard let level = plain[index].level(of: key.target.measure) else { continue }
            let gain = key.target.level - level
            found[key] = OutputChain.Leveling(gainDB: gain, ceilingDB: key.target.truePeakDB)
            // Peaks the gain leaves well under the ceiling: the limiter will
            // hardly act, so the plain gain is the gain.
            if plain[index].truePeakDB + gain > key.target.truePeakDB - 0.5 { searches[key] = Search(plainGain: gain) }
        }

        // Passes 2 to 4: with the limiter, correcting the gain until the
        // measured level is the target's.
        for _ in 0..<Self.correctionPasses {
            let pending = unique.filter { searches[$0]?.done == false }
            if pending.isEmpty { break }
            let meters = try measure(
                try makeSource(), pending.map { ($0, OutputChain.Leveling(gainDB: searches[$0]!.next, ceilingDB: $0.target.truePeakDB)) },
                full: false)
            for (index, key) in pending.enumerated() {
                guard let level = meters[index].level(of: key.target.measure) else {
                    searches[key]!.done = true
                    continue
                }
                searches[key]!.record(level: level, target: key.target.level)
            }
        }
        for (key, search) in searches { found[key]!.gainDB = search.best }
        return keys.map { key in key.flatMap { found[$0] } }
    }

    /// One pass over `source` through a metering chain per key; no output is written.
    private func measure(
        _ source: any AudioSource, _ chains: [(key: LevelingKey, leveling: OutputChain.Leveling?)], full: Bool
    ) throws(AudioError) -> [LoudnessMeter] {
        let input = source.properties
        var built: [OutputChain] = []
        for (key, leveling) in chains {
            let meter = try LoudnessMeter(sampleRate: key.rate, channels: key.channels, full: full)
            built.append(
                try OutputChain(
                    input: input, channels: key.channels, rate: key.rate, leveling: leveling, meter: meter, sink: nil,
                    chunkFrames: chunkFrames))
        }
        try pump(source, into: built)
        return built.map { $0.meter! }
    }

    /// The secant search for one key's gain: level as a function of gain,
    /// which the limiter bends below a slope of 1.
    struct Search {
        let plainGain: Double
        var next: Double
        var done = false
        private var tried: [(gain: Double, error: Double)] = []

        init(plainGain: Double) {
            self.plainGain = plainGain
            next = plainGain
        }

        /// The measured gain closest to the target.
        var best: Double {
            tried.min { abs($0.error) < abs($1.error) }?.gain ?? plainGain
        }

        mutating func record(level: Double, target: Double) {
            let error = target - level
            var slope = 1.0
            if let last = tried.last, next != last.gain {
                slope = min(1, max(0.1, (last.error - error) / (next - last.gain)))
            }
            tried.append((next, error))
            if abs(error) <= Transcoder.levelTolerance {
                done = true
                return
            }
            let proposed = min(plainGain + Transcoder.maximumCorrectionDB, next + error / slope)
            if proposed <= next && error > 0 { done = true }  // at the cap already
            next = proposed
        }
    }
}
