import AudioSpoolTestKit
import Basics
import EngineHost
import EngineProtocol
import Foundation
import Testing

/// The espeak engine's word timings (PROTOCOL.md, "Word timings"), from
/// the real espeak-ng, against the audio it wrote.
@Suite(.timeLimit(.minutes(3))) struct EspeakWordTests {
    static let text = "Hello there, world. A second sentence — with 42 words; naïve café! The end."

    func speak(_ text: String, params: [String: JSONValue] = [:]) async throws -> (RunResult, Audio) {
        let manifest = try EngineManifest.load(directory: Repository.engines + "/espeak")
        let engine = EngineProcess(manifest: manifest)
        _ = try await engine.start()
        let work = TemporaryDirectory()
        let result = try await engine.run(RunParams(jobID: "w", task: "tts", text: text, params: params, workDir: work.path))
        await engine.shutdown()
        return (result, try Audio(work.file("output.wav")))
    }

    @Test func everyWordOfTheTextIsTimedWithinTheAudio() async throws {
        let (result, audio) = try await speak(Self.text)
        let words = try #require(result.words, "espeak reports words")
        // The text's words as written, punctuation and all; the lone dash is no
        // word. espeak-ng may speak a short word with the one before as one.
        #expect(words.flatMap { $0.text.split(separator: " ").map(String.init) } == [
            "Hello", "there,", "world.", "A", "second", "sentence", "with", "42", "words;", "naïve", "café!", "The", "end.",
        ])
        #expect(words.count >= 10, "\(words)")
        #expect(words.problem(audioSeconds: audio.seconds) == nil, "\(words)")
        #expect((words.last?.endSeconds ?? 0) > audio.seconds - 0.5, "the last word ends near the end: \(words.last!) of \(audio.seconds) s")
        // Each word's span holds its sound.
        for word in words {
            let span = samples(audio, from: word.startSeconds, to: word.endSeconds)
            #expect((span.map { abs($0) }.max() ?? 0) > 0.05, "\(word) is silent")
        }
    }

    /// After a pause (a sentence's end, a comma), a word starts where its
    /// sound does: the first sample above a whisper after the previous
    /// word ends is within 30 ms of its start.
    @Test func aWordAfterAPauseStartsWhereItsSoundStarts() async throws {
        let (result, audio) = try await speak(Self.text, params: ["speed": 140])
        let words = try #require(result.words)
        let rate = Double(audio.properties.sampleRate)
        var checked = 0
        for (previous, word) in zip(words, words.dropFirst()) where word.startSeconds - previous.endSeconds >= 0.05 {
            // Between the two words it is quiet.
            let gap = samples(audio, from: previous.endSeconds + 0.005, to: word.startSeconds - 0.005)
            #expect((gap.map { abs($0) }.max() ?? 0) < 0.01, "\(previous.text) … \(word.text): the pause is not quiet")
            let from = Int(previous.endSeconds * rate)
            let onset = audio.samples[from...].firstIndex { abs($0) > 0.01 } ?? audio.samples.count
            #expect(abs(Double(onset) / rate - word.startSeconds) <= 0.03, "\(word.text) starts at \(word.startSeconds) s, its sound at \(Double(onset) / rate) s")
            checked += 1
        }
        #expect(checked >= 3, "the sentences' ends and commas are pauses: \(words)")
    }

    /// The times are the audio's, not a guess from the text: slower speech,
    /// later words.
    /// "from the" is one word event in espeak-ng: one entry, in the text's words.
    @Test func wordsSpokenAsOneAreOneEntry() async throws {
        let (result, audio) = try await speak("Hello from the other side.")
        let words = try #require(result.words)
        #expect(words.map(\.text) == ["Hello", "from the", "other", "side."], "\(words)")
        #expect(words.problem(audioSeconds: audio.seconds) == nil)
    }

    @Test func wordsFollowTheSpeed() async throws {
        let (slow, slowAudio) = try await speak("One two three four five six.", params: ["speed": 90])
        let (fast, fastAudio) = try await speak("One two three four five six.", params: ["speed": 300])
        let slowEnd = try #require(slow.words?.last?.endSeconds)
        let fastEnd = try #require(fast.words?.last?.endSeconds)
        #expect(slowEnd > 2 * fastEnd, "90 words a minute against 300: \(slowEnd) s, \(fastEnd) s")
        #expect(slow.words?.problem(audioSeconds: slowAudio.seconds) == nil && fast.words?.problem(audioSeconds: fastAudio.seconds) == nil)
    }

    func samples(_ audio: Audio, from start: Double, to end: Double) -> ArraySlice<Float> {
        let rate = Double(audio.properties.sampleRate)
        let first = max(0, min(audio.samples.count, Int(start * rate)))
        let last = max(first, min(audio.samples.count, Int(end * rate)))
        return audio.samples[first..<last]
    }
}
