import Glibc

/// Encodes one audio file into another, chunk by chunk, so memory stays the
/// same whatever the length. The output appears under its final name only
/// when complete: it is written to a hidden temporary name beside it, then
/// renamed into place.
public struct AudioEncoder: Sendable {
    /// Frames per chunk; 64 KiB of stereo floats keeps the working set tiny.
    public var chunkFrames: Int

    public init(chunkFrames: Int = 8192) {
        self.chunkFrames = chunkFrames
    }

    /// Returns the properties of what was written.
    @discardableResult
    public func encode(input: String, output: String, settings: EncoderSettings) throws(AudioError) -> AudioProperties {
        let reader = try SoundFileReader(path: input)
        let temporary = Self.temporaryPath(for: output)
        do throws(AudioError) {
            let written = try transfer(from: reader, to: temporary, settings: settings)
            guard rename(temporary, output) == 0 else {
                throw AudioError(.writeFailed, "cannot move '\(temporary)' to '\(output)': \(String(cString: strerror(errno)))")
            }
            return written
        } catch {
            unlink(temporary)
            throw error
        }
    }

    private func transfer(from reader: SoundFileReader, to path: String, settings: EncoderSettings) throws(AudioError)
        -> AudioProperties
    {
        let input = reader.properties
        let sink = try settings.makeSink(path: path, sampleRate: input.sampleRate, channels: input.channels)
        var buffer = [Float](repeating: 0, count: chunkFrames * input.channels)
        var total: Int64 = 0
        while true {
            let frames = try buffer.withUnsafeMutableBufferPointer { pointer throws(AudioError) in
                try reader.read(into: pointer)
            }
            if frames == 0 { break }
            try buffer.withUnsafeBufferPointer { pointer throws(AudioError) in
                try sink.write(UnsafeBufferPointer(rebasing: pointer[0..<(frames * input.channels)]))
            }
            total += Int64(frames)
        }
        try sink.finish()
        return AudioProperties(sampleRate: input.sampleRate, channels: input.channels, frames: total)
    }

    /// A hidden name in the same folder, so the final rename is atomic and a
    /// half-written file never shows under a name anyone looks for.
    static func temporaryPath(for output: String) -> String {
        let slash = output.lastIndex(of: "/")
        let folder = slash.map { String(output[...$0]) } ?? ""
        let name = slash.map { String(output[output.index(after: $0)...]) } ?? output
        return "\(folder).\(name).partial-\(getpid())"
    }
}
