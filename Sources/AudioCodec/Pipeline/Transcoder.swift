import Foundation
import Glibc

/// Decodes a source once and encodes it into any number of outputs, chunk
/// by chunk: memory does not grow with the length of the audio. Each output
/// has its own chain (channel mix, resampling, loudness gain and true-peak
/// limiter, encoder).
///
/// A loudness target needs the whole audio's level before the first sample
/// is written, so then the source is read more than once: to measure, to
/// measure again with the limiter (which lowers the level a little) and
/// correct the gain, and to encode (Transcoder+Loudness.swift).
///
/// Outputs are written to new temporaries their targets make (never a name
/// someone else chose) and moved into place only when every output is
/// complete; on any error none of them appears.
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

    /// What was written to one output.
    public struct Written: Sendable, Equatable {
        public var properties: AudioProperties
        /// Measured on the final audio, for outputs with a loudness target.
        public var loudness: LoudnessReport?
    }

    /// Frames per chunk: 8192 stereo floats is 64 KiB.
    public var chunkFrames: Int

    public init(chunkFrames: Int = 8192) {
        self.chunkFrames = chunkFrames
    }

    /// Encodes one file into another.
    @discardableResult
    public func encode(input: String, output: String, settings: EncoderSettings) throws(AudioError) -> Written {
        try encode({ () throws(AudioError) in try SoundFileReader(path: input) }, to: [Output(path: output, settings: settings)])[0]
    }

    /// Encodes the audio `makeSource` gives into every output; returns what
    /// was written to each. `makeSource` is called once, or for an output
    /// with a loudness target two to five times (one for each pass).
    public func encode(
        _ makeSource: () throws(AudioError) -> any AudioSource, to outputs: [Output]
    ) throws(AudioError) -> [Written] {
        var source = try makeSource()
        let input = source.properties
        for output in outputs { try ChapterMark.check(output.settings.chapters, duration: input.durationSeconds) }
        var levelings = [OutputChain.Leveling?](repeating: nil, count: outputs.count)
        if outputs.contains(where: { $0.settings.loudness != nil }) {
            levelings = try self.levelings(first: source, again: makeSource, outputs: outputs)
            source = try makeSource()
        }
        var temporaries: [String] = []
        var published = false
        defer {
            if !published { for (index, temporary) in temporaries.enumerated() { outputs[index].target.discard(temporary) } }
        }
        var chains: [OutputChain] = []
        for (index, output) in outputs.enumerated() {
            let channels = output.settings.channels ?? input.channels
            let rate = output.settings.outputRate(for: input.sampleRate)
            try ChannelMixer.check(from: input.channels, to: channels)
            let meter = output.settings.loudness == nil ? nil : try LoudnessMeter(sampleRate: rate, channels: channels)
            let created = try output.target.createTemporary()
            temporaries.append(created.temporary)
            let sink = try output.settings.makeSink(descriptor: created.descriptor, name: output.path, sampleRate: rate, channels: channels)
            chains.append(
                try OutputChain(
                    input: input, channels: channels, rate: rate, leveling: levelings[index], meter: meter, sink: sink,
                    chunkFrames: chunkFrames))
        }
        try pump(source, into: chains)
        for (index, output) in outputs.enumerated() { try output.target.publish(temporaries[index]) }
        published = true
        return chains.map { chain in
            Written(
                properties: AudioProperties(sampleRate: chain.rate, channels: chain.channels, frames: chain.framesWritten),
                loudness: chain.meter?.report(limiterMaxDB: chain.limiterMaxDB))
        }
    }

    /// Reads `source` to its end through every chain, and finishes them.
    func pump(_ source: any AudioSource, into chains: [OutputChain]) throws(AudioError) {
        let input = source.properties
        var source = source
        // Decoding runs a few chunks ahead on another core, unless the
        // audio is so short that starting a thread costs more.
        if (input.frames ?? .max) > Int64(chunkFrames * 16) {
            source = PrefetchingSource(source, chunkFrames: chunkFrames)
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
    }
}
