/// Where every segment lies in the stitched audio, in frames at its rate:
/// the one timeline chapters, subtitles and result.json are read from.
struct EpisodeTimeline: Sendable, Equatable {
    var sampleRate: Int
    var frames: [Int64]
    /// Silence after each segment, in frames (the last one's unused), as
    /// StitchedSource rounds it.
    var gaps: [Int64]

    init(sampleRate: Int, frames: [Int64], pausesMilliseconds: [Int]) {
        self.sampleRate = sampleRate
        self.frames = frames
        gaps = pausesMilliseconds.map { Int64((Double($0) / 1000 * Double(sampleRate)).rounded()) }
    }

    /// Each segment's first frame, from the start of `range`'s first.
    func starts(_ range: Range<Int>) -> [Int64] {
        var starts: [Int64] = []
        var position: Int64 = 0
        for index in range {
            starts.append(position)
            position += frames[index] + gaps[index]
        }
        return starts
    }

    func seconds(_ frames: Int64) -> Double { Double(frames) / Double(sampleRate) }

    /// The pauses in seconds, as StitchedSource takes them.
    func gapSeconds(_ range: Range<Int>, pauses: [Int]) -> [Double] { range.map { Double(pauses[$0]) / 1000 } }
}
