import AudioSpoolTestKit
import Foundation
import Testing

/// A cue of an SRT or WebVTT file.
struct SubtitleCue: Equatable {
    var start: Double
    var end: Double
    var text: String

    /// The cues of `file`: SRT (numbered, `,` before the milliseconds) or WebVTT.
    static func read(_ path: String) throws -> [SubtitleCue] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        func seconds(_ stamp: Substring) -> Double {
            let parts = stamp.replacingOccurrences(of: ",", with: ".").split(separator: ":")
            return Double(parts[0])! * 3600 + Double(parts[1])! * 60 + Double(parts[2])!
        }
        return text.components(separatedBy: "\n\n").compactMap { block in
            let lines = block.split(separator: "\n")
            guard let timing = lines.firstIndex(where: { $0.contains(" --> ") }) else { return nil }
            let stamps = lines[timing].components(separatedBy: " --> ")
            return SubtitleCue(
                start: seconds(Substring(stamps[0])), end: seconds(Substring(stamps[1])),
                text: lines[(timing + 1)...].joined(separator: " "))
        }
    }
}

extension HeavyEngineTests {
    /// Scripts with real engines: Piper (the real joe voice) and espeak in
    /// chapters, with chapter markers and subtitles; XTTS (the tiny model)
    /// on a fake GPU beside Piper on the CPU.
    @Suite(.timeLimit(.minutes(15))) struct EpisodeEngineTests {
        static let sentences = [
            ["Hello and welcome to the show.", "This is the first chapter."],
            ["Espeak says hello too."],
            ["The second chapter begins here."],
            ["And Piper says goodbye.", "Thanks for listening."],
        ]

        @Test func twoChaptersByPiperAndEspeakCarryMarkersAndSubtitles() async throws {
            let fixture = try SpoolFixture()
            let engines = ["piper", "espeak", "espeak", "piper"]
            let lines = Self.sentences.indices.map { #"{"text": "\#(Self.sentences[$0].joined(separator: " "))", "engine": "\#(engines[$0])"}"# }
            try fixture.drop(
                "episode.json",
                #"""
                {"task": "tts", "chapter_pause_ms": 1000, "subtitles": ["srt", "vtt"],
                 "chapters": [{"title": "Arrival", "script": [\#(lines[0]), \#(lines[1])]},
                              {"title": "Departure", "script": [\#(lines[2]), \#(lines[3])]}],
                 "outputs": [{"format": "wav"}, {"format": "mp3"}, {"format": "m4b"}, {"format": "opus", "split": "chapters"}]}
                """#)
            let run = try await fixture.runUntilIdle()
            #expect(run.status == 0, "\(run.summary)")
            let folder = fixture.spool.path(of: .done, "episode")
            let result = try #require(fixture.json(.done, "episode", "result.json"), "not done: \(fixture.entries(.failed))")
            let reported = try #require(result["lines"] as? [[String: Any]])
            #expect(reported.map { $0["engine"] as? String } == engines)
            #expect(reported.allSatisfy { $0["device"] as? String == "cpu" })
            let chapterStart = try #require((result["chapters"] as? [[String: Any]])?.last?["start_s"] as? Double)

            // Chapter 2 starts where the 1 s of silence between the chapters ends (the WAV is exact).
            let (properties, samples) = try TestSignals.read(folder + "/output.wav")
            let duration = Double(samples.count / properties.channels) / Double(properties.sampleRate)
            var run0 = 0, longest = (start: 0, length: 0)
            for (index, sample) in samples.enumerated() {
                if sample == 0 { run0 += 1 } else { run0 = 0 }
                if run0 > longest.length { longest = (index - run0 + 1, run0) }
            }
            let silenceEnd = Double(longest.start + longest.length) / Double(properties.sampleRate)
            #expect(Double(longest.length) / Double(properties.sampleRate) >= 0.999)
            #expect(silenceEnd >= chapterStart - 0.001 && silenceEnd < chapterStart + 0.1, "silence ends at \(silenceEnd), chapter 2 at \(chapterStart)")

            for file in ["output.mp3", "output.m4b"] {
                let chapters = try await Probe.chapters(folder + "/" + file)
                #expect(chapters.map(\.title) == ["Arrival", "Departure"], "\(file)")
                #expect(abs((chapters.first?.start ?? -1) - 0) < 0.001, "\(file)")
                #expect(abs((chapters.last?.start ?? -1) - chapterStart) < 0.002, "\(file): \(chapters) against \(chapterStart)")
            }
            let opus = try await Probe(folder + "/output.opus")
            #expect(opus.codec == "opus" && opus.sampleRate == 48000, "\(opus)")
            #expect(abs(opus.duration - duration) < 0.03, "\(opus.duration) against \(duration)")
            let split = try #require(result["outputs"] as? [[String: Any]]).filter { $0["chapter"] != nil }
            #expect(split.map { $0["path"] as? String } == ["01-arrival.opus", "02-departure.opus"])
            let first = try await Probe(folder + "/01-arrival.opus")
            #expect(abs(first.duration - (chapterStart - 1)) < 0.03, "chapter 1's file holds it, without the pause after it")

            let all = Self.sentences.flatMap { $0 }
            for file in ["output.srt", "output.vtt"] {
                let cues = try SubtitleCue.read(folder + "/" + file)
                #expect(cues.map(\.text) == all, "\(file): one cue per sentence, in order")
                for (index, cue) in cues.enumerated() {
                    #expect(cue.start < cue.end && cue.end <= duration + 0.0005, "\(file) cue \(index + 1) lies within the audio")
                    if index > 0 { #expect(cues[index - 1].end <= cue.start, "\(file) cues \(index) and \(index + 1) do not overlap") }
                }
                #expect(abs(cues[3].start - chapterStart) < 0.002, "chapter 2's first sentence starts with it")
            }
        }

        @Test func xttsOnAFakeGPUAndPiperOnTheCPURunAtTheSameTime() async throws {
            let cache = try await TinyModels.hubCache(for: "xtts")
            let fixture = try SpoolFixture(config: [
                "gpus": ["fake": 1],
                "engines": ["xtts": ["config": ["hub_cache": cache, "offline": true, "tos_agreed": true, "threads": 1]], "piper": ["instances": 1]],
            ])
            let supervisor = try await fixture.startSupervisor()
            func line(_ text: String, _ engine: String) -> String {
                engine == "xtts"
                    ? #"{"text": "\#(text)", "engine": "xtts", "params": {"language": "en"}, "inputs": {"reference": "me.wav"}}"#
                    : #"{"text": "\#(text)", "engine": "piper"}"#
            }
            /// A job folder with a voice-like reference, delivered by rename.
            func deliver(_ id: String, _ job: String) throws {
                let staging = fixture.spool.tmp + "/" + id
                try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
                try Data(job.utf8).write(to: URL(fileURLWithPath: staging + "/job.json"))
                try TestSignals.write(staging + "/me.wav", rate: 22050, channels: 1, seconds: 3) { frame, _ in
                    let time = Double(frame) / 22050
                    return Float(0.3 * sin(2 * .pi * 140 * time) * (0.5 + 0.5 * sin(2 * .pi * 4 * time)))
                }
                try FileManager.default.moveItem(atPath: staging, toPath: fixture.spool.new + "/" + id)
            }
            // Both engines loaded first, so the episode's first runs start together.
            try deliver("warm", #"{"task": "tts", "script": [\#(line("Hi.", "xtts")), \#(line("Hi.", "piper"))], "output": {"format": "wav"}}"#)
            try await fixture.waitFor("warm", in: .done, timeout: .seconds(600))
            let sentences = (1...4).map { "This is sentence number \($0) of the line." }.joined(separator: " ")
            try deliver("mixed", #"{"task": "tts", "script": [\#(line(sentences, "xtts")), \#(line(sentences, "piper"))], "output": {"format": "mp3"}}"#)
            try await fixture.waitFor("mixed", in: .done, timeout: .seconds(600))
            supervisor.signal(SIGTERM)
            _ = await supervisor.wait()

            let result = try #require(fixture.json(.done, "mixed", "result.json"))
            let lines = try #require(result["lines"] as? [[String: Any]])
            #expect(lines.map { $0["device"] as? String } == ["cuda:0", "cpu"], "\(lines)")
            // From the engines' own logs: some XTTS run and some Piper run overlap in time.
            func runs(_ engine: String) throws -> [(Double, Double)] {
                let log = try String(contentsOfFile: fixture.spool.state.log(engine: engine), encoding: .utf8)
                return log.split(separator: "\n").filter { $0.hasPrefix("ran job=mixed ") }.compactMap { line in
                    let fields = Dictionary(uniqueKeysWithValues: line.split(separator: " ").compactMap { field -> (String, Double)? in
                        let pair = field.split(separator: "=")
                        return pair.count == 2 ? (String(pair[0]), Double(pair[1]) ?? -1) : nil
                    })
                    return fields["started"].flatMap { start in fields["ended"].map { (start, $0) } }
                }
            }
            let xtts = try runs("xtts"), piper = try runs("piper")
            #expect(xtts.count == 4 && piper.count == 4, "\(xtts) \(piper)")
            let overlapping = xtts.contains { x in piper.contains { p in p.0 < x.1 && x.0 < p.1 } }
            #expect(overlapping, "xtts \(xtts), piper \(piper)")
        }
    }
}
