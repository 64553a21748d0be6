import Basics
import EngineProtocol
import Foundation
import Spool
import Testing

@Suite struct JobSpecTests {
    func parse(_ json: String, limits: SpoolLimits = SpoolLimits()) throws(DocumentError) -> JobSpec {
        try JobSpec.parse(Data(json.utf8), limits: limits)
    }

    @Test func readsTheFullSchema() throws {
        let spec = try parse(
            """
            {"engine": "piper", "task": "tts", "text": "Hello.", "inputs": {"reference": "voice.wav"},
             "params": {"speed": 1.1, "voice": "en_US-joe-medium"}, "output": {"format": "wav", "bit_depth": 24},
             "priority": 7, "max_attempts": 2, "metadata": {"ticket": 42}}
            """)
        #expect(spec.engine == "piper")
        #expect(spec.task == "tts")
        #expect(spec.text == "Hello.")
        #expect(spec.inputs == ["reference": "voice.wav"])
        #expect(spec.params["speed"] == .number(1.1))
        #expect(spec.outputs == [OutputSpec(format: .wav, bitDepth: .int24)])
        #expect(spec.priority == 7)
        #expect(spec.maxAttempts == 2)
        #expect(spec.metadata == .object(["ticket": 42]))
    }

    @Test func everyOutputOption() throws {
        let spec = try parse(
            """
            {"engine": "x", "outputs": [
              {"format": "mp3", "vbr_quality": 4, "sample_rate": 22050, "channels": 1, "loudness_lufs": -16, "true_peak_db": -1.5,
               "tags": {"title": "T", "track": "2/9"}},
              {"format": "flac", "compression_level": 8, "bit_depth": 24, "loudness": "audiobook"}]}
            """)
        #expect(spec.outputs[0].format == .mp3)
        #expect(spec.outputs[0].vbrQuality == 4)
        #expect(spec.outputs[0].sampleRate == 22050 && spec.outputs[0].channels == 1)
        #expect(spec.outputs[0].loudnessLUFS == -16 && spec.outputs[0].truePeakDB == -1.5)
        #expect(spec.outputs[0].tags == ["title": "T", "track": "2/9"])
        #expect(spec.outputs[1].compressionLevel == 8 && spec.outputs[1].bitDepth == .int24)
        #expect(spec.outputs[1].loudnessPreset == .audiobook)
        #expect(try JobSpec.parse(JSONEncoder().encode(spec)) == spec, "encodes back to the same job")
    }

    @Test func severalOutputs() throws {
        let spec = try parse(#"{"engine": "x", "outputs": [{"format": "wav"}, {"format": "wav", "bit_depth": "32f"}]}"#)
        #expect(spec.outputs.map(\.bitDepth) == [nil, .float32])
    }

    @Test(arguments: [
        ("", "job file is empty"),
        ("{", "job file is not valid JSON"),
        ("[]", "job file must be a JSON object, but it is an array"),
        (#"{"task": "tts"}"#, "missing required field \"engine\""),
        (#"{"engine": ""}"#, "field \"engine\" must not be empty"),
        (#"{"engine": 5}"#, "field \"engine\" must be a string, but it is the number 5"),
        (#"{"engine": "x", "priority": 11}"#, "field \"priority\" must be an integer from 0 to 9, got 11"),
        (#"{"engine": "x", "priority": 1.5}"#, "field \"priority\" must be an integer from 0 to 9, but it is the number 1.5"),
        (#"{"engine": "x", "max_attempts": 0}"#, "field \"max_attempts\" must be an integer from 1 to 100, got 0"),
        (#"{"engine": "x", "params": [1]}"#, "field \"params\" must be an object, but it is an array"),
        (#"{"engine": "x", "inputs": {"a": 1}}"#, "field \"inputs.a\" must be a string, but it is the number 1"),
        (#"{"engine": "x", "inputs": {"a": "../etc/passwd"}}"#, "field \"inputs.a\" must stay inside the job folder"),
        (#"{"engine": "x", "inputs": {"a": "/etc/passwd"}}"#, "must be a path relative to the job folder"),
        (#"{"engine": "x", "inputs": {"a b": "x.wav"}}"#, "input name \"a b\" must be letters"),
        (#"{"engine": "x", "text": "a", "text_file": "t.txt"}"#, "give either \"text\" or \"text_file\""),
        (#"{"engine": "x", "output": {"format": "aiff"}}"#, "field \"output.format\" must be one of wav, mp3, flac, opus, m4b, m4a, aac, pcm, got \"aiff\""),
        (#"{"engine": "x", "output": {"format": "opus", "sample_rate": 44100}}"#, "must be 48000 (Opus always runs at 48 kHz) for opus, got 44100"),
        (#"{"engine": "x", "output": {"format": "m4b", "bitrate_kbps": 8}}"#, "field \"output.bitrate_kbps\" must be 16 to 320 for m4b, got 8"),
        (#"{"engine": "x", "output": {"format": "m4a", "sample_rate": 8100}}"#, "must be one of 8000, 11025"),
        (#"{"engine": "x", "output": {"format": "pcm", "bitrate_kbps": 64}}"#, "applies to mp3, opus, m4b, m4a and aac only, not pcm"),
        (#"{"engine": "x", "output": {"format": "aac", "bit_depth": 24}}"#, "applies to wav and flac only, not aac"),
        (#"{"engine": "x", "output": {"format": "wav", "bit_depth": 12}}"#, "field \"output.bit_depth\" must be one of 16, 24, \"32f\" for wav, got 12"),
        (#"{"engine": "x", "output": {"format": "flac", "bit_depth": "32f"}}"#, "must be one of 16, 24 for flac"),
        (#"{"engine": "x", "output": {"format": "mp3", "bit_depth": 16}}"#, "field \"output.bit_depth\" applies to wav and flac only, not mp3"),
        (#"{"engine": "x", "output": {"format": "mp3", "bitrate_kbps": 100}}"#, "field \"output.bitrate_kbps\" must be one of 8, 16"),
        (#"{"engine": "x", "output": {"format": "mp3", "bitrate_kbps": 128, "vbr_quality": 2}}"#, "give either \"bitrate_kbps\""),
        (#"{"engine": "x", "output": {"format": "wav", "vbr_quality": 2}}"#, "applies to mp3 only, not wav"),
        (#"{"engine": "x", "output": {"format": "flac", "compression_level": 9}}"#, "from 0 to 8, got 9"),
        (#"{"engine": "x", "output": {"format": "mp3", "sample_rate": 96000}}"#, "for mp3, got 96000"),
        (#"{"engine": "x", "output": {"channels": 6}}"#, "field \"output.channels\" must be an integer from 1 to 2, got 6"),
        (#"{"engine": "x", "output": {"loudness_lufs": 3}}"#, "field \"output.loudness_lufs\" must be a number from -70.0 to -5.0, got 3.0"),
        (#"{"engine": "x", "output": {"true_peak_db": -1}}"#, "give \"loudness_lufs\" too"),
        (#"{"engine": "x", "output": {"loudness": "loud"}}"#, "field \"output.loudness\" must be one of \"podcast\", \"audiobook\", \"broadcast\", got \"loud\""),
        (#"{"engine": "x", "output": {"loudness": "podcast", "loudness_lufs": -14}}"#, "give either \"loudness\" (the preset \"podcast\") or \"loudness_lufs\", not both"),
        (#"{"engine": "x", "output": {"loudness": "broadcast", "true_peak_db": -2}}"#, "the preset \"broadcast\" has its own ceiling"),
        (#"{"engine": "x", "output": {"tags": {"genre": "rock"}}}"#, "tag \"genre\" is not one of title, artist, album, track, comment"),
        (#"{"engine": "x", "output": "wav"}"#, "field \"output\" must be an object such as"),
        (#"{"engine": "x", "output": {}, "outputs": []}"#, "give either \"output\" or \"outputs\""),
        (#"{"engine": "x", "outputs": []}"#, "field \"outputs\" must list at least one output"),
        (#"{"engine": "x", "output": {"fromat": "wav"}}"#, "unknown field \"output.fromat\""),
        (#"{"engine": "x", "ouptut": {}}"#, "unknown field \"ouptut\""),
        ("\u{FEFF}{\"engine\": \"x\", \"text\": \"\\ud800\"}", "not valid JSON"),
        (#"{"engine": "tone", "engine": "nosuch"}"#, "job file gives the field \"engine\" more than once"),
        ("\u{FEFF}{\"engine\": \"x\", \"engine\": \"y\"}", "gives the field \"engine\" more than once"),
        (#"{"engine": "x", "params": {"a": 1, "\u0061": 2}}"#, "gives the field \"params.a\" more than once"),
        (#"{"engine": "x", "outputs": [{"format": "wav", "format": "mp3"}]}"#, "gives the field \"outputs[0].format\" more than once"),
        (#"{"engine": "x", "params": {"speed": 1e400}}"#, "has the number 1e400 at \"params.speed\", which is out of range"),
        (#"{"engine": "x", "params": {"a": [1, -2E+999]}}"#, "has the number -2E+999 at \"params.a[1]\""),
        (#"{"engine": "x", "text": "a\u0000b"}"#, "field \"text\" contains a NUL character"),
        (#"{"engine": "x", "output": {"tags": {"title": "a\u0000b"}}}"#, "tag \"title\" contains a NUL character"),
        (#"{"engine": "x", "output": {"tags": {"title": "\#(String(repeating: "é", count: 513))"}}}"#, "tag \"title\" is 1026 bytes, over the limit of 1024"),
    ])
    func malformedJobsSayWhatIsWrong(json: String, message: String) {
        do throws(DocumentError) {
            _ = try parse(json)
            Issue.record("accepted: \(json)")
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    /// Deep nesting once failed as `internal`, with a 36 KB dump of Swift's
    /// decoding error in error.json.
    @Test(arguments: [65, 510, 5000])
    func deepNestingIsRefusedPlainly(depth: Int) {
        let json = #"{"engine": "x", "params": {"a": "# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}}"
        do throws(DocumentError) {
            _ = try parse(json)
            Issue.record("accepted \(depth) levels")
        } catch {
            #expect(error.message.hasPrefix("job file nests arrays and objects more than 64 levels deep (at \"params.a"), "\(error.message)")
            #expect(error.message.utf8.count < 200, "a sentence, not a dump")
        }
    }

    @Test func nestingUpToTheLimitIsRead() throws {
        // The job object and params are 2 of the 64 levels.
        let json = #"{"engine": "x", "params": {"a": "# + String(repeating: "[", count: 62) + String(repeating: "]", count: 62) + "}}"
        #expect(try parse(json).params["a"] != nil)
    }

    @Test func limitsBoundSizeAndText() {
        var limits = SpoolLimits()
        limits.maxJobBytes = 64
        #expect(throws: DocumentError.self) { try parse(#"{"engine": "x", "text": "\#(String(repeating: "a", count: 100))"}"#, limits: limits) }
        limits = SpoolLimits()
        limits.maxTextCharacters = 5
        #expect(throws: DocumentError("field \"text\" has 6 characters, over the limit of 5")) {
            try parse(#"{"engine": "x", "text": "abcdef"}"#, limits: limits)
        }
    }

    @Test func encodesBackToAnEquivalentDocument() throws {
        let spec = JobSpec(
            engine: "tone", task: "tone", params: ["seconds": 2], outputs: [OutputSpec(format: .wav, bitDepth: .float32)],
            priority: 3)
        let data = try JSONEncoder().encode(spec)
        #expect(try JobSpec.parse(data) == spec)
    }
}

@Suite struct SpoolConfigTests {
    @Test func defaultsRoundTripThroughTheRenderedFile() throws {
        let config = SpoolConfig()
        #expect(try SpoolConfig.parse(config.rendered()) == config)
    }

    @Test func keepsEngineSettingsForTheirModule() throws {
        let config = try SpoolConfig.parse(Data(#"{"tts_engine": "tone", "engines": {"tone": {"instances": 3, "config": {"x": 1}}}}"#.utf8))
        #expect(config.ttsEngine == "tone")
        #expect(config.sections["engines"] == ["tone": .object(["instances": 3, "config": .object(["x": 1])])])
    }

    /// An empty list would finish every job in done/ with no audio.
    @Test func anEmptyOutputListIsRefused() {
        #expect(throws: DocumentError("field \"output\" must list at least one output")) {
            try SpoolConfig.parse(Data(#"{"output": []}"#.utf8))
        }
        #expect(throws: DocumentError.self) { try SpoolConfig.parse(Data(#"{"outputs": []}"#.utf8)) }
        #expect(throws: DocumentError("config.json gives the field \"priority\" more than once; give each field once")) {
            try SpoolConfig.parse(Data(#"{"priority": 1, "priority": 2}"#.utf8))
        }
    }

    @Test func aUmaskThatLocksOutTheOwnerIsRefused() throws {
        #expect(throws: DocumentError("field \"umask\" must leave the owner's permissions (its first digit 0), got \"277\"")) {
            try SpoolConfig.parse(Data(#"{"umask": "277"}"#.utf8))
        }
        #expect(throws: DocumentError.self) { try SpoolConfig.parse(Data(#"{"umask": "8"}"#.utf8)) }
    }

    @Test func readsTheUmask() throws {
        #expect(try SpoolConfig.parse(Data(#"{"umask": "007"}"#.utf8)).umask == 0o007)
        #expect(SpoolConfig().umask == 0o027)
    }

    @Test func aLoudnessPresetIsADefaultOutputOption() throws {
        let config = try SpoolConfig.parse(Data(#"{"output": {"format": "mp3", "loudness": "podcast"}}"#.utf8))
        #expect(config.output.map(\.loudnessPreset) == [.podcast])
        #expect(try SpoolConfig.parse(config.rendered()) == config)
    }

    @Test func rejectsTypos() {
        #expect(throws: DocumentError.self) { try SpoolConfig.parse(Data(#"{"concurency": 2}"#.utf8)) }
    }
}
