import AudioCodec
import AudioSpoolTestKit
import Foundation
import Testing

@Suite(.timeLimit(.minutes(3))) struct StitchingTests {
    let directory = TemporaryDirectory()

    /// Two tones that meet at full amplitude: a hard cut between them jumps.
    func segments() throws -> [String] {
        let first = directory.file("1.wav")
        let second = directory.file("2.wav")
        // 220.5 cycles of 441 Hz end at -0.5; the next tone starts at +0.5.
        try TestSignals.write(first, channels: 1, seconds: 0.5) { frame, _ in 0.5 * Float(cos(2 * .pi * 441 * Double(frame) / 44100)) }
        try TestSignals.write(second, channels: 1, seconds: 0.5) { frame, _ in 0.5 * Float(cos(2 * .pi * 300 * Double(frame) / 44100)) }
        return [first, second]
    }

    func stitch(gap: Double = 0, crossfade: Double = 0) throws -> [Float] {
        let paths = try segments()
        let output = directory.file("stitched-\(gap)-\(crossfade).wav")
        try Transcoder().encode({ () throws(AudioError) in try StitchedSource(segments: paths, gap: gap, crossfade: crossfade) },
                                to: [Transcoder.Output(path: output, settings: EncoderSettings(format: .wav(.float32)))])
        return try TestSignals.read(output).1
    }

    /// The largest jump between neighbouring samples in a window.
    func largestStep(_ samples: [Float], around center: Int, width: Int) -> Float {
        let range = max(1, center - width)..<min(samples.count, center + width)
        return range.map { abs(samples[$0] - samples[$0 - 1]) }.max() ?? 0
    }

    @Test func aGapOfSilenceSeparatesSegments() throws {
        let samples = try stitch(gap: 0.25)
        #expect(samples.count == 22050 + 11025 + 22050)
        #expect(samples[22050..<(22050 + 11025)].allSatisfy { $0 == 0 })
        #expect(samples[22049] != 0 && samples[22050 + 11025] != 0)
    }

    @Test func aCrossfadeOverlapsWithoutAClick() throws {
        let fade = 0.05
        let samples = try stitch(crossfade: fade)
        #expect(samples.count == 2 * 22050 - Int(fade * 44100))
        // Inside each tone a sample moves at most 2π·441/44100·0.5 ≈ 0.031.
        let seam = 22050 - Int(fade * 44100)
        let step = largestStep(samples, around: seam + Int(fade * 44100) / 2, width: Int(fade * 44100))
        #expect(step < 0.05, "a step of \(step) in the crossfade")
    }

    @Test func aHardCutWouldClick() throws {
        // The same segments without a crossfade: the check above can fail.
        let samples = try stitch()
        #expect(largestStep(samples, around: 22050, width: 4) > 0.5)
    }

    @Test func segmentsMustShareTheirFormat() throws {
        let paths = try segments()
        let other = directory.file("48k.wav")
        try TestSignals.sine(other, frequency: 440, rate: 48000, channels: 1, seconds: 0.1)
        #expect(throws: AudioError.self) { try StitchedSource(segments: paths + [other]) }
    }
}
