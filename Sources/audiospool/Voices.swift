import ArgumentParser
import AudioCodec
import Basics
import EngineHost
import Foundation
import Glibc
import Spool

/// `audiospool voices`: the spool's saved voices (SPOOL.md, "Voices").
struct Voices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Save, list and remove voices in the spool's voice bank.",
        discussion: "A job names a saved voice with \"params\": {\"voice\": \"NAME\"} instead of a reference input.",
        subcommands: [Add.self, List.self, Remove.self], defaultSubcommand: List.self)

    /// The longest recording a voice keeps: XTTS reads at most 30 seconds of it.
    static let maxSeconds = 60.0

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decode a recording and save it as a voice.")

        @OptionGroup var spool: SpoolOptions
        @OptionGroup var engines: EnginesOptions
        @Option(help: "The engine the voice is for.") var engine = "xtts"
        @Argument(help: "The voice's name.") var name: String
        @Argument(help: "The recording (WAV, FLAC, MP3, Ogg), at most 60 seconds.") var file: String

        func run() async throws {
            let spool = try spool.existingSpool()
            let bank = spool.voiceBank
            guard VoiceBank.isName(name) else {
                throw CommandFailure("\"\(name)\" cannot name a voice: use one path component of at most \(VoiceBank.maxNameBytes) bytes, not starting with \".\", without \"/\" or control characters")
            }
            let registry = EngineRegistry.load(directory: try engines.existingEnginesDirectory())
            guard let manifest = registry[engine] else { throw CommandFailure("\(engine): \(registry.explainMissing(engine))") }
            let shape = manifest.inputAudio ?? EngineManifest.InputAudio()
            let source: SoundFileReader
            do {
                source = try SoundFileReader(path: file)
            } catch {
                throw CommandFailure("\(file) is not audio that can be decoded: \(error.message)")
            }
            if let seconds = source.properties.durationSeconds, seconds > Voices.maxSeconds {
                throw CommandFailure("\(file) is \(Int(seconds.rounded())) seconds; a voice takes at most \(Int(Voices.maxSeconds)) (cut a clean stretch of speech)")
            }
            do {
                try FileSystem.createDirectories(bank.folder(engine: engine))
            } catch {
                throw CommandFailure(error.description)
            }
            guard bank.isRealFolder(engine: engine) else {
                throw CommandFailure("\(bank.folder(engine: engine)) is not a folder (a symlink is not followed)")
            }
            let decoded = bank.folder(engine: engine) + "/.decoding-\(name)-\(getpid()).wav"
            defer { unlink(decoded) }
            let settings = EncoderSettings(
                format: .wav(WavSampleFormat(rawValue: shape.bitDepth) ?? .pcm16), sampleRate: shape.sampleRate, channels: shape.channels)
            do {
                _ = try Transcoder().encode({ () throws(AudioError) in source }, to: [Transcoder.Output(path: decoded, settings: settings)])
            } catch {
                throw CommandFailure("decoding \(file) failed: \(error.message)")
            }
            do {
                try bank.add(name, engine: engine, wav: decoded)
            } catch {
                throw CommandFailure(error.message)
            }
            print("saved voice \(name) for \(engine) in \(bank.folder(engine: engine, voice: name))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the saved voices, per engine.")

        @OptionGroup var spool: SpoolOptions
        @Option(help: "Only this engine's voices.") var engine: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let bank = try spool.existingSpool().voiceBank
            let engines = engine.map { [$0] } ?? ((try? FileSystem.list(bank.root)) ?? []).filter(VoiceBank.isName).sorted()
            var found: [String: [String]] = [:]
            for name in engines { found[name] = bank.names(engine: name) }
            if json {
                printJSON(found)
                return
            }
            let rows = engines.flatMap { engine in found[engine]!.map { [engine, $0] } }
            if rows.isEmpty {
                print("no saved voices (audiospool voices add NAME FILE)")
            } else {
                printTable(header: ["ENGINE", "VOICE"], rows: rows)
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a saved voice.")

        @OptionGroup var spool: SpoolOptions
        @Option(help: "The engine the voice is for.") var engine = "xtts"
        @Argument(help: "The voice's name.") var name: String

        func run() async throws {
            do {
                try spool.existingSpool().voiceBank.remove(name, engine: engine)
            } catch let error as VoiceBankError {
                throw CommandFailure(error.message)
            }
            print("removed voice \(name) of \(engine)")
        }
    }
}
