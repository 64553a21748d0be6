/// A chapter of an output: its title and where it starts. It ends where the
/// next one starts, the last at the end of the audio. Written as ID3v2
/// CHAP/CTOC frames in MP3, MP4 chapters in M4B and M4A, and CHAPTERxxx
/// Vorbis comments in Opus and FLAC.
public struct ChapterMark: Sendable, Equatable {
    public var title: String
    public var startSeconds: Double

    public init(title: String, startSeconds: Double) {
        self.title = title
        self.startSeconds = startSeconds
    }

    /// Whole milliseconds, the unit every container here counts in.
    var startMilliseconds: Int64 { Int64((startSeconds * 1000).rounded()) }

    /// An ID3v2 CTOC frame counts its entries in one byte; Vorbis comments
    /// number them with three digits.
    public static let maximumCount = 255
    public static let maximumTitleBytes = 1024

    /// Checks what every container needs: titles that fit, starts in
    /// order, at least 1 ms apart, and before `duration` when it is known.
    static func check(_ chapters: [ChapterMark], duration: Double?) throws(AudioError) {
        guard chapters.count <= maximumCount else {
            throw AudioError(.unsupportedSettings, "at most \(maximumCount) chapters, not \(chapters.count)")
        }
        var previous: Int64 = -1
        for (index, chapter) in chapters.enumerated() {
            let number = index + 1
            guard !chapter.title.isEmpty, chapter.title.utf8.count <= maximumTitleBytes, !chapter.title.utf8.contains(0) else {
                throw AudioError(.unsupportedSettings, "chapter \(number)'s title must be 1 to \(maximumTitleBytes) bytes without NUL")
            }
            guard chapter.startSeconds.isFinite, chapter.startSeconds >= 0 else {
                throw AudioError(.unsupportedSettings, "chapter \(number) starts at \(chapter.startSeconds) s; a start is 0 or more")
            }
            guard chapter.startMilliseconds > previous else {
                throw AudioError(.unsupportedSettings, "chapter \(number) starts at \(chapter.startSeconds) s, not after chapter \(index)")
            }
            if let duration, chapter.startSeconds >= duration {
                throw AudioError(
                    .unsupportedSettings, "chapter \(number) starts at \(chapter.startSeconds) s, after the audio's end (\(duration) s)")
            }
            previous = chapter.startMilliseconds
        }
    }

    /// Each chapter's start and end in milliseconds, the last ending at `endMilliseconds`.
    static func spans(_ chapters: [ChapterMark], endMilliseconds: Int64) -> [(start: Int64, end: Int64)] {
        chapters.indices.map { index in
            let start = chapters[index].startMilliseconds
            let end = index + 1 < chapters.count ? chapters[index + 1].startMilliseconds : max(endMilliseconds, start)
            return (start, end)
        }
    }

    /// The Vorbis comments Ogg and FLAC players read chapters from:
    /// CHAPTER001=00:00:00.000 and CHAPTER001NAME=title.
    static func vorbisComments(_ chapters: [ChapterMark]) -> [(String, String)] {
        chapters.enumerated().flatMap { index, chapter in
            let key = "CHAPTER" + digits(Int64(index + 1), 3)
            let ms = chapter.startMilliseconds
            let time = "\(digits(ms / 3_600_000, 2)):\(digits(ms / 60_000 % 60, 2)):\(digits(ms / 1000 % 60, 2)).\(digits(ms % 1000, 3))"
            return [(key, time), (key + "NAME", chapter.title)]
        }
    }

    /// `value` in at least `width` digits, zero-padded.
    private static func digits(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
