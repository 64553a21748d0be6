import AudioCodec
import AudioSpoolTestKit
import Foundation
import Spool
import Testing

/// Jobs asking for MP3, FLAC, loudness and conversions; inputs decoded for engines.
@Suite(.timeLimit(.minutes(3))) struct AudioOutputTests {
    @Test func oneJobSeveralFormats() async throws {
        let fixture = try SpoolFixture()
        try fixture.drop(
            "formats.json",
            #"""
            {"engine": "tone", "params": {"seconds": 3, "frequency": 440},
             "outputs": [{"format": "mp3", "bitrate_kbps": 64, "tags": {"title": "A", "artist": "B"}},
                         {"format": "flac", "compression_level": 8},
                         {"format": "wav", "sample_rate": 48000, "channels": 2, "bit_depth": 24}]}
            """#)
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        let folder = fixture.spool.path(of: .done, "formats")
        let result = try #require(fixture.json(.done, "formats", "result.json"))
        let outputs = try #require(result["outputs"] as? [[String: Any]])
        #expect(outputs.map { $0["path"] as? String } == ["output.mp3", "output.flac", "output.wav"])
        #expect(outputs.map { $0["format"] as? String } == ["mp3", "flac", "wav"])
        #expect(outputs.map { $0["sample_rate"] as? Int } == [24000, 24000, 48000])
        #expect(outputs.map { $0["channels"] as? Int } == [1, 1, 2])

        let mp3 = try await Probe(folder + "/output.mp3")
        #expect(mp3.codec == "mp3" && abs(mp3.duration - 3) < 0.1 && mp3.tags["title"] == "A")
        let flacTest = try await ChildProcess.run("/usr/bin/flac", ["-t", "-s", folder + "/output.flac"])
        #expect(flacTest.status == 0)
        let wavPath = folder + "/" + (outputs[2]["path"] as? String ?? "")
        let wav = try await Probe(wavPath)
        #expect(wav.sampleRate == 48000 && wav.channels == 2 && wav.codec == "pcm_s24le")
        #expect(abs(TestSignals.frequency(try TestSignals.read(wavPath).1, channels: 2, rate: 48000) - 440) < 2)
        for output in outputs {
            let size = try FileManager.default.attributesOfItem(atPath: folder + "/" + (output["path"] as! String))[.size] as? Int
            #expect(output["bytes"] as? Int == size)
        }
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: folder)).contains { $0.hasPrefix(".") }, "no temporary files left")
    }

    @Test func theListenersFormatsInAJob() async throws {
        let fixture = try SpoolFixture()
        try fixture.drop(
            "listen.json",
            #"""
            {"engine": "tone", "params": {"seconds": 2, "frequency": 440},
             "outputs": [{"format": "opus", "bitrate_kbps": 32, "tags": {"title": "Ep 1"}}, {"format": "m4b", "tags": {"album": "Show"}},
                         {"format": "m4a", "channels": 2}, {"format": "aac", "sample_rate": 16000}, {"format": "pcm"}]}
            """#)
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        let folder = fixture.spool.path(of: .done, "listen")
        let result = try #require(fixture.json(.done, "listen", "result.json"))
        let outputs = try #require(result["outputs"] as? [[String: Any]])
        #expect(outputs.map { $0["path"] as? String } == ["output.opus", "output.m4b", "output.m4a", "output.aac", "output.pcm"])
        #expect(outputs.map { $0["format"] as? String } == ["opus", "m4b", "m4a", "aac", "pcm"])
        #expect(outputs.map { $0["sample_rate"] as? Int } == [48000, 24000, 24000, 16000, 24000])
        #expect(outputs.map { $0["channels"] as? Int } == [1, 1, 2, 1, 1])
        let opus = try await Probe(folder + "/output.opus")
        #expect(opus.codec == "opus" && abs(opus.duration - 2) <= 0.02 && opus.tags["title"] == "Ep 1")
        let m4b = try await Probe(folder + "/output.m4b")
        #expect(m4b.codec == "aac" && abs(m4b.duration - 2) <= 1024.0 / 24000 && m4b.tags["album"] == "Show")
        #expect(try await Probe(folder + "/output.m4a").channels == 2)
        #expect(try await Probe(folder + "/output.aac").sampleRate == 16000)
        let pcmSize = try FileManager.default.attributesOfItem(atPath: folder + "/output.pcm")[.size] as? Int
        #expect(pcmSize == 2 * 24000 * 2, "2 s of 24 kHz mono, 2 bytes a sample")
        // Read as s16le, it is the tone.
        let decoded = fixture.directory.file("pcm.wav")
        let converted = try await ChildProcess.run(
            "/usr/bin/ffmpeg", ["-v", "error", "-f", "s16le", "-ar", "24000", "-ac", "1", "-i", folder + "/output.pcm", decoded])
        #expect(converted.status == 0, "\(converted.stderr)")
        #expect(abs(TestSignals.frequency(try TestSignals.read(decoded).1, channels: 1, rate: 24000) - 440) < 2)
    }

    @Test func loudnessNormalisedInAJob() async throws {
        let fixture = try SpoolFixture()
        try fixture.drop("loud.json", #"{"engine": "tone", "params": {"seconds": 4, "amplitude": 0.05}, "output": {"format": "flac", "loudness_lufs": -16}}"#)
        _ = try await fixture.runUntilIdle()
        let measured = try await Probe.loudness(fixture.spool.path(of: .done, "loud") + "/output.flac")
        #expect(abs(measured.lufs + 16) <= 0.5, "\(measured.lufs) LUFS")
        #expect(measured.truePeakDB <= -0.8)
    }

    @Test func aDroppedSongIsDecodedForTheEngine() async throws {
        let fixture = try SpoolFixture(engines: Repository.fixtureEngines, config: ["separation_engine": "echo-input"])
        let song = fixture.directory.file("song.wav")
        try TestSignals.sine(song, frequency: 1000, rate: 44100, channels: 2, seconds: 2)
        let mp3 = fixture.directory.file("song.mp3")
        try Transcoder().encode(input: song, output: mp3, settings: EncoderSettings(format: .mp3(.cbr(kbps: 192))))
        try fixture.drop("song.mp3", try Data(contentsOf: URL(fileURLWithPath: mp3)))

        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        let folder = fixture.spool.path(of: .done, "song")
        #expect(FileManager.default.fileExists(atPath: folder + "/input.mp3"), "the upload is kept")
        let (properties, samples) = try TestSignals.read(folder + "/output.wav")
        // The engine got (and echoed) 16 kHz mono, as its manifest asks.
        #expect(properties.sampleRate == 16000 && properties.channels == 1)
        #expect(abs(Double(samples.count) / 16000 - 2) < 0.1)
        #expect(abs(TestSignals.frequency(samples, channels: 1, rate: 16000) - 1000) < 5)
        let log = try String(contentsOfFile: fixture.spool.state.log(engine: "echo-input"), encoding: .utf8)
        #expect(log.contains("input: (16000, 1, 2)"))
    }

    @Test func aCorruptUploadFailsAsBadInput() async throws {
        let fixture = try SpoolFixture(engines: Repository.fixtureEngines, config: ["separation_engine": "echo-input"])
        try fixture.drop("broken.wav", "RIFF this is not really a wave file at all")
        _ = try await fixture.runUntilIdle()
        let error = try #require(fixture.json(.failed, "broken", "error.json"))
        let reason = try #require(error["error"] as? [String: Any])
        #expect(reason["kind"] as? String == "bad_input")
        #expect((reason["message"] as? String)?.contains("input \"audio\" (input.wav) is not audio that can be decoded") == true, "\(reason)")
        #expect(FileManager.default.fileExists(atPath: fixture.spool.path(of: .failed, "broken") + "/input.wav"))
    }

    @Test func aFullDiskLeavesNoPartialOutput() async throws {
        let fixture = try SpoolFixture()
        // 10 s of 24 kHz mono: the engine's 16-bit WAV (480 kB) fits under
        // the limit, the 32-bit float output (960 kB) does not.
        try fixture.drop("big.json", #"{"engine": "tone", "params": {"seconds": 10}, "output": {"format": "wav", "bit_depth": "32f"}, "max_attempts": 2}"#)
        let command = "ulimit -f 1400; exec \"$0\" run --until-idle --spool \"$1\" --engines \"$2\""
        let run = try await ChildProcess.run("/bin/sh", ["-c", command, Repository.executable, fixture.spool.root, fixture.engines])
        #expect(run.status == 0, "\(run.summary)")
        #expect(fixture.entries(.done).isEmpty)
        let error = try #require(fixture.json(.failed, "big", "error.json"))
        let reason = try #require(error["error"] as? [String: Any])
        #expect(reason["kind"] as? String == "transient")
        #expect((reason["message"] as? String)?.contains("File too large") == true, "\(reason)")
        #expect(error["attempts"] as? Int == 2, "a write failure is retried")
        let left = try FileManager.default.contentsOfDirectory(atPath: fixture.spool.path(of: .failed, "big"))
        #expect(left.sorted() == ["error.json", "job.json"], "no partial output: \(left)")
    }
}
