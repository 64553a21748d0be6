import Foundation
import Glibc

/// Decodes a source once and encodes it into any number of outputs, chunk
/// by chunk: memory does not grow with the length of the audio. Each output
/// has its own chain (channel mix, loudness gain, resampling, encoder).
///
/// A loudness target needs the whole audio's loudness before the first
/// sample is written, so then the source is read twice: once to measure,
/// once to encode.
///
/// Outputs are written to hidden temporary names beside their final paths
/// and renamed into place only when every output is complete; on any error
/// none of them appears.
public struct Transcoder: Sendable {
    public struct Output: Sendable {
        public var target: any OutputTarget
        public var settings: EncoderSettings
        public var path: String { target.path }

        public init(target: any OutputTarget, settings: EncoderSettings) {
            self.target = target
            self.settings = settings
        }

        public init(path: String, settings: EncoderSettings) {
            self.init(target: PathOutputTarget(path: path), settings: settings)
        }
    }

    /// Frames per chunk: 8192 stereo floats is 64 KiB.
    public var chunkFrames: Int

    public init(chunkFrames: Int = 8192) {
        self.chunkFrames = chunkFrames
    }

    /// Encodes one file into another.
    @discardableResult
    public func encode(input: String, output: String, settings: EncoderSettings) throws(AudioError) -> AudioProperties {
        try encode({ () throws(AudioError) in try SoundFileReader(path: input) }, to: [Output(path: output, settings: settings)])[0]
    }

    /// Encodes the audio `makeSource` gives into every output; returns what
    /// was written to each. `makeSource` is called once, or twice if an
    /// output has a loudness target.
    public func encode(
        _ makeSource: () throws(AudioError) -> any AudioSource, to outputs: [Output]
    ) throws(AudioError) -> [AudioProperties] {
        var source = try makeSource()
        let input = source.properties
        var gains = [Double](repeating: 0, count: outputs.count)  // dB, per output
        if outputs.contains(where: { $0.settings.loudness != nil }) {
            gains = try measure(source, outputs: outputs)
            source = try makeSource()
        }
        // Decoding runs a few chunks ahead on another core, unless the
        // audio is so short that starting a thread costs more.
        if (input.frames ?? .max) > Int64(chunkFrames * 16) {
            source = PrefetchingSource(source, chunkFrames: chunkFrames)
        }
        var chains: [Chain] = []
        var published = false
        defer { if !published { for chain in chains { chain.output.target.discard(chain.temporary) } } }
        for (index, output) in outputs.enumerated() {
            let channels = output.settings.channels ?? input.channels
            try ChannelMixer.check(from: input.channels, to: channels)
            chains.append(try Chain(output: output, input: input, channels: channels, gainDB: gains[index], chunkFrames: chunkFrames))
        }
        var buffer = [Float](repeating: 0, count: chunkFrames * input.channels)
        while true {
            let frames = try buffer.withUnsafeMutableBufferPointer { pointer throws(AudioError) in try source.read(into: pointer) }
            if frames == 0 { break }
            try buffer.withUnsafeBufferPointer { pointer throws(AudioError) in
                let chunk = UnsafeBufferPointer(rebasing: pointer[0..<(frames * input.channels)])
                for chain in chains { try chain.write(chunk, frames: frames) }
            }
        }
        for chain in chains { try chain.finish() }
        for chain in chains { try chain.output.target.publish(chain.temporary) }
        published = true
        return chains.map { AudioProperties(sampleRate: $0.rate, channels: $0.channels, frames: $0.framesWritten) }
    }

    /// The loudness gain of each output, in dB (0 for outputs without a
    /// target). Loudness is measured once per channel layout.
    private func measure(_ source: any AudioSource, outputs: [Output]) throws(AudioError) -> [Double] {
        let input = source.properties
        var meters: [Int: LoudnessMeter] = [:]
        for output in outputs where output.settings.loudness != nil {
            let channels = output.settings.channels ?? input.channels
            try ChannelMixer.check(from: input.channels, to: channels)
            if meters[channels] == nil { meters[channels] = try LoudnessMeter(sampleRate: input.sampleRate, channels: channels) }
        }
        var buffer = [Float](repeating: 0, count: chunkFrames * input.channels)
        var mixed = [Float](repeating: 0, count: chunkFrames * 2)
        while true {
            let frames = try buffer.withUnsafeMutableBufferPointer { pointer throws(AudioError) in try source.read(into: pointer) }
            if frames == 0 { break }
            for (channels, meter) in meters {
                buffer.withUnsafeBufferPointer { input in
                    if channels == source.properties.channels {
                        meter.add(UnsafeBufferPointer(rebasing: input[0..<(frames * channels)]))
                    } else {
                        mixed.withUnsafeMutableBufferPointer { out in
                            ChannelMixer.mix(input, from: source.properties.channels, into: out, to: channels, frames: frames)
                            meter.add(UnsafeBufferPointer(rebasing: out[0..<(frames * channels)]))
                        }
                    }
                }
            }
        }
        return outputs.map { output in
            guard let target = output.settings.loudness else { return 0 }
            return meters[output.settings.channels ?? input.channels]!.gain(for: target)
        }
    }
}

/// One output's processing: mix, gain, resample, encode.
private final class Chain {
    let output: Transcoder.Output
    let temporary: String
    let channels: Int
    let rate: Int
    private let inputChannels: Int
    private let gain: Float
    private let resampler: Resampler?
    private let sink: any AudioSink
    private var scratch: [Float]
    private(set) var framesWritten: Int64 = 0

    init(output: Transcoder.Output, input: AudioProperties, channels: Int, gainDB: Double, chunkFrames: Int) throws(AudioError) {
        self.output = output
        self.channels = channels
        self.inputChannels = input.channels
        rate = output.settings.outputRate(for: input.sampleRate)
        gain = Float(pow(10, gainDB / 20))
        resampler = rate == input.sampleRate ? nil : try Resampler(from: input.sampleRate, to: rate, channels: channels)
        let created = try output.target.createTemporary()
        temporary = created.temporary
        do {
            sink = try output.settings.makeSink(descriptor: created.descriptor, name: output.path, sampleRate: rate, channels: channels)
        } catch {
            output.target.discard(created.temporary)
            throw error
        }
        scratch = [Float](repeating: 0, count: chunkFrames * max(channels, input.channels))
    }

    func write(_ chunk: UnsafeBufferPointer<Float>, frames: Int) throws(AudioError) {
        if channels == inputChannels && gain == 1 {
            try emit(chunk)
            return
        }
        if scratch.count < frames * channels { scratch = [Float](repeating: 0, count: frames * channels) }
        let gain = gain
        let processed = scratch.withUnsafeMutableBufferPointer { out in
            ChannelMixer.mix(chunk, from: inputChannels, into: out, to: channels, frames: frames)
            if gain != 1 {
                for index in 0..<(frames * channels) { out[index] *= gain }
            }
            return UnsafeBufferPointer(rebasing: out[0..<(frames * channels)])
        }
        try emit(processed)
    }

    func finish() throws(AudioError) {
        if let resampler { try write(resampled: resampler.flush()) }
        try sink.finish()
    }

    private func emit(_ samples: UnsafeBufferPointer<Float>) throws(AudioError) {
        if let resampler {
            try write(resampled: resampler.process(samples))
        } else {
            try write(resampled: samples)
        }
    }

    private func write(resampled samples: UnsafeBufferPointer<Float>) throws(AudioError) {
        try sink.write(samples)
        framesWritten += Int64(samples.count / channels)
    }
}
