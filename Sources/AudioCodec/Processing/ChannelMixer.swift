/// Up- or down-mixes interleaved frames between mono and stereo. Mono to
/// stereo copies the channel to both sides; stereo to mono averages them,
/// so a centred sound keeps its level.
enum ChannelMixer {
    static let supported = [1, 2]

    static func check(from input: Int, to output: Int) throws(AudioError) {
        guard input == output || (supported.contains(input) && supported.contains(output)) else {
            throw AudioError(.unsupportedSettings, "cannot mix \(input) channels into \(output); mono and stereo are supported")
        }
    }

    /// Writes `frames` frames of `input` (with `from` channels) into `output` (with `to`).
    static func mix(
        _ input: UnsafeBufferPointer<Float>, from: Int, into output: UnsafeMutableBufferPointer<Float>, to: Int, frames: Int
    ) {
        switch (from, to) {
        case (1, 2):
            for frame in 0..<frames {
                output[2 * frame] = input[frame]
                output[2 * frame + 1] = input[frame]
            }
        case (2, 1):
            for frame in 0..<frames {
                output[frame] = 0.5 * (input[2 * frame] + input[2 * frame + 1])
            }
        default:
            for index in 0..<(frames * to) { output[index] = input[index] }
        }
    }
}
