import AudioSpoolTestKit
import Foundation
import Testing

/// Subtitles timed by the word: espeak (the real espeak-ng) times each
/// word it speaks; the supervisor turns that into phrase cues and
/// words.json, in the job's own spelling though espeak spoke the lexicon's.
@Suite(.timeLimit(.minutes(5))) struct EpisodeWordTests {
    static let lines = [
        "Hello from Worcester, said the man from NYC. He came by train.",
        "Then the sun set — slowly, quietly, over the hills and far away.",
    ]
    /// Every word as written, in order: what words.json and the cues hold.
    static let written = lines.flatMap { $0.split(separator: " ").map(String.init) }

    struct Word {
        var text: String
        var start: Double
        var end: Double
    }

    /// A script of two espeak lines, or the same as one plain text (which
    /// is spoken as a one-line script, through the same path).
    @Test(arguments: ["script", "text"]) func espeaksWordsMakePhraseCuesAndWordsJSON(_ shape: String) async throws {
        let fixture = try SpoolFixture()
        let body = shape == "script"
            ? #""script": [\#(Self.lines.map { #"{"text": "\#($0)"}"# }.joined(separator: ", "))]"#
            : #""text": "\#(Self.lines.joined(separator: "\\n\\n"))""#
        try fixture.drop(
            "timed.json",
            #"""
            {"engine": "espeak", "task": "tts", \#(body), "subtitles": ["srt", "vtt"],
             "lexicon": {"Worcester": "Wuster", "NYC": "New York City"}, "output": {"format": "wav"}}
            """#)
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        let folder = fixture.spool.path(of: .done, "timed")
        let result = try #require(fixture.json(.done, "timed", "result.json"), "not done: \(fixture.entries(.failed)) \(run.stderr.suffix(2000))")
        let listed = try #require(result["subtitles"] as? [[String: Any]])
        #expect(listed.map { $0["format"] as? String } == ["srt", "vtt", "words"])
        #expect(listed.last?["path"] as? String == "words.json")
        let (properties, samples) = try TestSignals.read(folder + "/output.wav")
        let duration = Double(samples.count / properties.channels) / Double(properties.sampleRate)

        // words.json: the written words (not "Wuster", not "New York City"), in order, within the audio.
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/words.json"))) as? [String: Any]
        let words = try #require(document?["words"] as? [[String: Any]]).map { entry in
            Word(text: entry["text"] as? String ?? "", start: entry["start_s"] as? Double ?? -1, end: entry["end_s"] as? Double ?? -1)
        }
        #expect(words.flatMap { $0.text.split(separator: " ").map(String.init) } == Self.written, "\(words.map(\.text))")
        #expect(words.contains { $0.text == "Worcester," } && words.contains { $0.text == "NYC." })
        for (index, word) in words.enumerated() {
            #expect(word.start >= 0 && word.start <= word.end && word.end <= duration + 0.0005, "\(word) within \(duration) s")
            if index > 0 { #expect(words[index - 1].end <= word.start, "\(words[index - 1]) before \(word)") }
        }
        #expect(words.last!.end > duration - 1, "the words reach the end of the speech")
        #expect(listed.last?["cues"] as? Int == words.count, "result.json counts words.json's words")

        for file in ["output.srt", "output.vtt"] {
            let text = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
            #expect(!text.contains("Wuster") && !text.contains("York"), "\(file) shows the job's words: \(text)")
            let cues = try SubtitleCue.read(folder + "/" + file)
            // More cues than the three sentences: phrases, one ending at a comma.
            #expect(cues.count > 3 && cues.contains { $0.text.hasSuffix(",") }, "\(file): \(cues.map(\.text))")
            // Each cue is a run of the timed words, from its first word's start to its last word's end.
            var next = 0
            for (index, cue) in cues.enumerated() {
                var taken: [Word] = []
                while next < words.count, taken.map(\.text).joined(separator: " ") != cue.text, taken.count < 16 {
                    taken.append(words[next])
                    next += 1
                }
                #expect(taken.map(\.text).joined(separator: " ") == cue.text, "\(file) cue \(index + 1) is words of words.json")
                guard let first = taken.first, let last = taken.last else { continue }
                #expect(cue.start >= first.start - 0.0011 && cue.end <= last.end + 0.0011, "\(file) cue \(index + 1) \(cue) within its words")
                #expect(abs(cue.start - first.start) < 0.0011 && abs(cue.end - last.end) < 0.0011, "\(file) cue \(index + 1) spans its words")
                #expect(cue.start < cue.end && cue.end <= duration + 0.0005)
                if index > 0 { #expect(cues[index - 1].end <= cue.start, "\(file) cues \(index) and \(index + 1) do not overlap") }
            }
            #expect(next == words.count, "\(file): every word is in a cue")
        }
    }
}
