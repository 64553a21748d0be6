import AudioSpoolTestKit
import Basics
import EngineHost
import EngineProtocol
import Foundation
import Testing

/// Piper's word timings (PROTOCOL.md, "Word timings"): from a voice model
/// that exposes its phoneme durations (the real joe voice, patched as
/// `piper.patch_voice_with_alignment` would), none from the shipped one.
@Suite(.serialized, .timeLimit(.minutes(5))) struct PiperWordTests {
    static let text = "Hello there, my friend. This sentence has seven words in it."

    func speak(_ text: String, voice: String?, voicesDir: String?) async throws -> (RunResult, Audio) {
        let manifest = try EngineManifest.load(directory: Repository.engines + "/piper")
        var options = EngineProcess.Options()
        options.sdkDirectory = Repository.sdk
        if let voicesDir { options.config = ["voices_dir": .string(voicesDir)] }
        let engine = EngineProcess(manifest: manifest, options: options)
        _ = try await engine.start()
        let work = TemporaryDirectory()
        let params: [String: JSONValue] = voice.map { ["voice": .string($0)] } ?? [:]
        let result = try await engine.run(RunParams(jobID: "w", task: "tts", text: text, params: params, workDir: work.path))
        await engine.shutdown()
        return (result, try Audio(work.file("output.wav")))
    }

    let directory = TemporaryDirectory()

    /// A voices folder with the aligned voice, made with the engine's own Python.
    func alignedVoices() async throws -> String {
        let environment = try await TinyModels.environment("piper")
        let folder = directory.file("voices")
        let made = try await ChildProcess.run(environment + "/bin/python", [TinyModels.scripts + "/align_piper_voice.py", folder])
        #expect(made.status == 0, "\(made.summary)")
        return folder
    }

    @Test func anAlignedVoiceTimesEveryWordWithinTheAudio() async throws {
        let voices = try await alignedVoices()
        let (result, audio) = try await speak(Self.text, voice: "en_US-joe-aligned", voicesDir: voices)
        let words = try #require(result.words, "an aligned voice reports words")
        #expect(words.map(\.text) == Self.text.split(separator: " ").map(String.init))
        #expect(words.problem(audioSeconds: audio.seconds) == nil, "\(words)")
        #expect((words.last?.endSeconds ?? 0) > audio.seconds - 0.6, "\(words.last!) of \(audio.seconds) s")
        let rate = Double(audio.properties.sampleRate)
        // Piper's pauses peak near 0.0001 (50 ms windows); its
        // quietest short words peak near 0.04, and vary run to run (noise_scale).
        for word in words {
            let span = audio.samples[Int(word.startSeconds * rate)..<min(audio.samples.count, Int(word.endSeconds * rate))]
            let peak = span.map { abs($0) }.max() ?? 0
            #expect(peak > 0.015, "\(word) is silent (peak \(peak))")
        }
        // The sentence break comes between "friend." and "This".
        let friend = try #require(words.first { $0.text == "friend." })
        let this = try #require(words.first { $0.text == "This" })
        #expect(this.startSeconds - friend.endSeconds > 0.05, "\(friend) \(this)")
    }

    @Test func theShippedVoiceReportsNone() async throws {
        let (result, _) = try await speak(Self.text, voice: nil, voicesDir: nil)
        #expect(result.words == nil, "en_US-joe-medium has no alignment output")
    }

    /// A number espeak-ng reads as two words cannot be lined up: no words rather than wrong ones.
    @Test func wordsThatDoNotLineUpAreLeftOut() async throws {
        let voices = try await alignedVoices()
        let (result, _) = try await speak("I counted 42 apples.", voice: "en_US-joe-aligned", voicesDir: voices)
        #expect(result.words == nil, "\(result.words ?? [])")
    }
}
