import Foundation
import Glibc

/// One output's processing: channel mix, resampling, then (with a loudness
/// target) gain and the true-peak limiter, metered, into the encoder. A
/// measuring pass runs the same chain with no encoder.
final class OutputChain {
    /// Gain and limiting after the resampler; nil passes the audio through.
    struct Leveling {
        var gainDB: Double
        var ceilingDB: Double
    }

    let channels: Int
    let rate: Int
    private let inputChannels: Int
    private let resampler: Resampler?
    private let limiter: TruePeakLimiter?
    let meter: LoudnessMeter?
    private let sink: (any AudioSink)?
    private var scratch: [Float]
    private(set) var framesWritten: Int64 = 0

    init(
        input: AudioProperties, channels: Int, rate: Int, leveling: Leveling?, meter: LoudnessMeter?, sink: (any AudioSink)?,
        chunkFrames: Int
    ) throws(AudioError) {
        try ChannelMixer.check(from: input.channels, to: channels)
        self.channels = channels
        self.rate = rate
        self.inputChannels = input.channels
        self.meter = meter
        self.sink = sink
        resampler = rate == input.sampleRate ? nil : try Resampler(from: input.sampleRate, to: rate, channels: channels)
        limiter = try leveling.map { leveling throws(AudioError) in
            try TruePeakLimiter(sampleRate: rate, channels: channels, gainDB: leveling.gainDB, ceilingDB: leveling.ceilingDB)
        }
        scratch = [Float](repeating: 0, count: chunkFrames * max(channels, input.channels))
    }

    /// The limiter's largest gain reduction, dB; nil if it did not act.
    var limiterMaxDB: Double? {
        guard let reduction = limiter?.maximumReductionDB, reduction > 0.01 else { return nil }
        return reduction
    }

    func write(_ chunk: UnsafeBufferPointer<Float>, frames: Int) throws(AudioError) {
        if channels == inputChannels {
            try resample(chunk)
            return
        }
        if scratch.count < frames * channels { scratch = [Float](repeating: 0, count: frames * channels) }
        let inputChannels = inputChannels
        let channels = channels
        let mixed = scratch.withUnsafeMutableBufferPointer { out in
            ChannelMixer.mix(chunk, from: inputChannels, into: out, to: channels, frames: frames)
            return UnsafeBufferPointer(rebasing: out[0..<(frames * channels)])
        }
        try resample(mixed)
    }

    func finish() throws(AudioError) {
        if let resampler { try level(resampler.flush()) }
        if let limiter { try emit(limiter.flush()) }
        try sink?.finish()
    }

    private func resample(_ samples: UnsafeBufferPointer<Float>) throws(AudioError) {
        try level(resampler.map { resampler throws(AudioError) in try resampler.process(samples) } ?? samples)
    }

    private func level(_ samples: UnsafeBufferPointer<Float>) throws(AudioError) {
        try emit(limiter.map { $0.process(samples) } ?? samples)
    }

    private func emit(_ samples: UnsafeBufferPointer<Float>) throws(AudioError) {
        meter?.add(samples)
        try sink?.write(samples)
        framesWritten += Int64(samples.count / channels)
    }
}
