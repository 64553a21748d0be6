import Foundation

/// Segment WAVs played one after another as one source: with a gap of
/// silence between them, or overlapped by an equal-power crossfade. Only a
/// crossfade's worth of audio is held back at a time, so any number of
/// segments of any length stitch in constant memory.
public final class StitchedSource: AudioSource {
    public let properties: AudioProperties
    private let paths: [String]
    /// Opens a segment by name (a path, or a name its opener resolves).
    private let open: (String) throws(AudioError) -> SoundFileReader
    /// Silence after each segment, in frames (the last one's is unused).
    private let gapFrames: [Int]
    private let fadeFrames: Int
    private let channels: Int
    private var next = 0
    private var reader: SoundFileReader?
    /// The end of the current segment, held back for the next crossfade.
    private var held: [Float] = []
    /// Frames ready to hand out, from `start`.
    private var ready: [Float] = []
    private var start = 0
    private var chunk: [Float]
    private var finished = false

    /// - Parameters:
    ///   - gap: seconds of silence between segments (with no crossfade).
    ///   - crossfade: seconds each pair of segments overlaps.
    public convenience init(segments paths: [String], gap: Double = 0, crossfade: Double = 0) throws(AudioError) {
        try self.init(segments: paths, gaps: Array(repeating: gap, count: paths.count), crossfade: crossfade)
    }

    /// - Parameters:
    ///   - gaps: seconds of silence after each segment (with no crossfade),
    ///     so sentences and paragraphs can pause differently.
    ///   - crossfade: seconds each pair of segments overlaps.
    ///   - open: how a segment is opened; by default its name is a path.
    public init(
        segments paths: [String], gaps: [Double], crossfade: Double = 0,
        open: @escaping (String) throws(AudioError) -> SoundFileReader = { (path: String) throws(AudioError) in try SoundFileReader(path: path) }
    ) throws(AudioError) {
        guard let first = paths.first else { throw AudioError(.unreadableInput, "nothing to stitch: no segments") }
        guard gaps.count == paths.count else {
            throw AudioError(.unsupportedSettings, "\(paths.count) segments but \(gaps.count) gaps")
        }
        var format: AudioProperties?
        for path in paths {
            let properties = try open(path).properties
            if let format, (format.sampleRate, format.channels) != (properties.sampleRate, properties.channels) {
                throw AudioError(
                    .unsupportedSettings,
                    "segments differ: '\(first)' is \(format.sampleRate) Hz \(format.channels) ch, '\(path)' is \(properties.sampleRate) Hz \(properties.channels) ch")
            }
            format = properties
        }
        let rate = format!.sampleRate
        channels = format!.channels
        gapFrames = gaps.map { crossfade > 0 ? 0 : Int(($0 * Double(rate)).rounded()) }
        fadeFrames = Int((crossfade * Double(rate)).rounded())
        // The length is known only once read: a segment shorter than the
        // crossfade overlaps less.
        properties = AudioProperties(sampleRate: rate, channels: channels, frames: nil)
        self.paths = paths
        self.open = open
        chunk = [Float](repeating: 0, count: 8192 * channels)
    }

    public func read(into buffer: UnsafeMutableBufferPointer<Float>) throws(AudioError) -> Int {
        while ready.count - start < buffer.count && !finished {
            try advance()
        }
        let count = min(buffer.count / channels * channels, ready.count - start)
        for index in 0..<count { buffer[index] = ready[start + index] }
        start += count
        if start > 65536 {
            ready.removeFirst(start)
            start = 0
        }
        return count / channels
    }

    /// Reads the next chunk of the current segment, or moves to the next one.
    private func advance() throws(AudioError) {
        guard let reader else {
            guard next < paths.count else {
                ready += held  // the last segment's end
                held = []
                finished = true
                return
            }
            let opened = try open(paths[next])
            if next > 0 { try join(opened, gap: gapFrames[next - 1]) }
            self.reader = opened
            next += 1
            return
        }
        let frames = try chunk.withUnsafeMutableBufferPointer { pointer throws(AudioError) in try reader.read(into: pointer) }
        if frames == 0 {
            self.reader = nil
            return
        }
        let samples = chunk[0..<(frames * channels)]
        if fadeFrames == 0 {
            ready += samples
            return
        }
        // Keep the newest fadeFrames frames back; release the rest.
        held += samples
        let release = held.count - fadeFrames * channels
        if release > 0 {
            ready += held[0..<release]
            held.removeFirst(release)
        }
    }

    /// What goes between the previous segment and `incoming`: silence, or
    /// the crossfade of the held end with the incoming start.
    private func join(_ incoming: SoundFileReader, gap: Int) throws(AudioError) {
        if fadeFrames == 0 {
            ready += [Float](repeating: 0, count: gap * channels)
            return
        }
        var head = [Float](repeating: 0, count: held.count)
        let got = try head.withUnsafeMutableBufferPointer { pointer throws(AudioError) in try incoming.read(into: pointer) }
        let length = got  // frames that overlap: limited by the shorter side
        let heldFrames = held.count / channels
        ready += held[0..<((heldFrames - length) * channels)]
        for frame in 0..<length {
            let t = (Double(frame) + 0.5) / Double(length) * .pi / 2
            let fadeOut = Float(cos(t)), fadeIn = Float(sin(t))
            for channel in 0..<channels {
                let old = held[(heldFrames - length + frame) * channels + channel]
                ready.append(old * fadeOut + head[frame * channels + channel] * fadeIn)
            }
        }
        held = []
    }
}

