import ArgumentParser
import AudioCodec
import Basics
import EngineProtocol
import Foundation
import Glibc
import OutputEncoding
import Spool

struct Encode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encode one audio file with the same pipeline jobs use.",
        discussion: """
            The format comes from OUTPUT's extension unless --format is given. The options
            are those of a job's "output" (SPOOL.md), and are checked the same way.

              audiospool encode speech.wav speech.mp3 --vbr-quality 4 --loudness-lufs -16
              audiospool encode chapter.wav chapter.mp3 --bitrate-kbps 192 --loudness audiobook
              audiospool encode take.flac take.wav --sample-rate 48000 --channels 1 --bit-depth 24
              audiospool encode book.wav book.m4b --bitrate-kbps 64 --chapters chapters.json --tag title="The Book"

            --chapters names a JSON list of {"title": "…", "start_s": 0}: chapter markers for
            MP3, M4B, M4A, Opus and FLAC. --cover names a PNG or JPEG picture (at most 16 MiB):
            the front cover, in the same formats.
            """)

    @Argument(help: "The input: WAV, FLAC, OGG or MP3.")
    var input: String

    @Argument(help: "The output file.")
    var output: String

    @Option(help: "wav, mp3, flac, opus, m4b, m4a, aac (ADTS) or pcm (raw 16-bit little-endian).")
    var format: String?

    @Option(help: "Bit rate, kbit/s: MP3 (constant), Opus, M4B, M4A, AAC.")
    var bitrateKbps: Int?

    @Option(help: "MP3 variable bit rate quality, 0 (best) to 9.")
    var vbrQuality: Int?

    @Option(help: "FLAC compression level, 0 to 8.")
    var compressionLevel: Int?

    @Option(help: "16, 24 or 32f (WAV); 16 or 24 (FLAC).")
    var bitDepth: String?

    @Option(help: "Resample to this rate.")
    var sampleRate: Int?

    @Option(help: "1 (mono) or 2 (stereo).")
    var channels: Int?

    @Option(help: "A loudness preset: podcast (-16 LUFS, -1 dBTP), audiobook (ACX: RMS -20 dB, peaks under -3 dB) or broadcast (EBU R128: -23 LUFS, -1 dBTP).")
    var loudness: String?

    // Unconditional: the values are negative, and must not read as flags.
    @Option(parsing: .unconditional, help: "Normalise to this integrated loudness (EBU R128), LUFS.")
    var loudnessLufs: Double?

    @Option(parsing: .unconditional, help: "The true-peak ceiling of loudness normalisation, dBTP (default -1).")
    var truePeakDb: Double?

    @Option(name: .customLong("tag"), help: ArgumentHelp("title, artist, album, track or comment.", valueName: "key=value"))
    var tags: [String] = []

    @Option(help: ArgumentHelp("Chapter markers: a JSON list of {\"title\", \"start_s\"}.", valueName: "file"))
    var chapters: String?

    @Option(help: ArgumentHelp("The front cover: a PNG or JPEG picture.", valueName: "file"))
    var cover: String?

    /// Formats whose containers hold chapter markers.
    static let chapterFormats: [OutputSpec.Format] = [.mp3, .m4b, .m4a, .opus, .flac]
    /// Formats whose containers hold a cover picture: the same.
    static let coverFormats = chapterFormats
    /// A chapter list is a few kilobytes; anything this large is a mistake.
    static let chapterFileLimit = 1 << 20

    func run() throws {
        signal(SIGXFSZ, SIG_IGN)  // a file-size limit is an error to report, not a crash
        let spec = try outputSpec()
        var settings = spec.encoderSettings
        settings.chapters = try chapterMarks(for: spec.format)
        settings.coverArt = try coverArt(for: spec.format)
        let started = ContinuousClock.now
        let written: Transcoder.Written
        do {
            written = try Transcoder().encode(input: input, output: output, settings: settings)
        } catch {
            FileHandle.standardError.write(Data("audiospool encode: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
        let elapsed = ContinuousClock.now - started
        let bytes = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        let properties = written.properties
        let seconds = properties.durationSeconds.map { String(format: "%.3f s", $0) } ?? "?"
        print("\(output): \(spec.format.rawValue), \(properties.sampleRate) Hz, \(properties.channels) ch, \(seconds), \(bytes) bytes in \(elapsed)")
        if let loudness = written.loudness { print(Self.describe(loudness)) }
    }

    /// The chapters file's markers, checked; none without --chapters.
    private func chapterMarks(for format: OutputSpec.Format) throws -> [ChapterMark] {
        guard let chapters else { return [] }
        guard Self.chapterFormats.contains(format) else {
            let names = Self.chapterFormats.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--chapters: \(format.rawValue) holds no chapter markers; use one of \(names)")
        }
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: chapters))
            defer { try? handle.close() }
            data = try handle.read(upToCount: Self.chapterFileLimit + 1) ?? Data()
        } catch {
            throw ValidationError("--chapters: cannot read '\(chapters)': \(error.localizedDescription)")
        }
        guard data.count <= Self.chapterFileLimit else {
            throw ValidationError("--chapters: '\(chapters)' is over \(Self.chapterFileLimit >> 20) MiB; a chapter list is a few kilobytes")
        }
        do {
            return try ChapterMark.parseList(data, what: "--chapters file '\(chapters)'")
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// The --cover picture, read and checked; none without --cover.
    private func coverArt(for format: OutputSpec.Format) throws -> CoverArt? {
        guard let cover else { return nil }
        guard Self.coverFormats.contains(format) else {
            let names = Self.coverFormats.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--cover: \(format.rawValue) holds no cover picture; use one of \(names)")
        }
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: cover))
            defer { try? handle.close() }
            data = try handle.read(upToCount: CoverArt.maximumBytes + 1) ?? Data()
        } catch {
            throw ValidationError("--cover: cannot read '\(cover)': \(error.localizedDescription)")
        }
        do {
            return try CoverArt(bytes: [UInt8](data))
        } catch {
            throw ValidationError("--cover: '\(cover)' cannot be the cover: \(error.message)")
        }
    }

    /// The flags as a job's "output" object, parsed by the job parser.
    private func outputSpec() throws -> OutputSpec {
        var object: [String: JSONValue] = [:]
        let ext = (output as NSString).pathExtension.lowercased()
        object["format"] = .string(format ?? ext)
        if let bitrateKbps { object["bitrate_kbps"] = .number(Double(bitrateKbps)) }
        if let vbrQuality { object["vbr_quality"] = .number(Double(vbrQuality)) }
        if let compressionLevel { object["compression_level"] = .number(Double(compressionLevel)) }
        if let bitDepth { object["bit_depth"] = JSONValue.parseLoose(bitDepth) }
        if let sampleRate { object["sample_rate"] = .number(Double(sampleRate)) }
        if let channels { object["channels"] = .number(Double(channels)) }
        if let loudness { object["loudness"] = .string(loudness) }
        if let loudnessLufs { object["loudness_lufs"] = .number(loudnessLufs) }
        if let truePeakDb { object["true_peak_db"] = .number(truePeakDb) }
        var tagValues: [String: JSONValue] = [:]
        for tag in tags {
            guard let equals = tag.firstIndex(of: "=") else { throw ValidationError("--tag must be key=value, got \"\(tag)\"") }
            tagValues[String(tag[..<equals])] = .string(String(tag[tag.index(after: equals)...]))
        }
        if !tagValues.isEmpty { object["tags"] = .object(tagValues) }
        do {
            return try OutputSpec.parse(.object(object), path: "output")
        } catch {
            // Name the flags, not the JSON fields they became.
            var message = error.message.replacingOccurrences(of: "field \"output.format\" must be one of", with: "the format (from --format or OUTPUT's extension) must be one of")
            for field in ["bitrate_kbps", "vbr_quality", "compression_level", "bit_depth", "sample_rate", "channels", "loudness_lufs", "true_peak_db", "loudness"] {
                message = message.replacingOccurrences(of: "field \"output.\(field)\"", with: "--" + field.replacingOccurrences(of: "_", with: "-"))
                message = message.replacingOccurrences(of: "\"\(field)\"", with: "--" + field.replacingOccurrences(of: "_", with: "-"))
            }
            throw ValidationError(message)
        }
    }
}

extension Encode {
    /// The measured levels, in the fields result.json uses.
    static func describe(_ loudness: LoudnessReport) -> String {
        func decibels(_ value: Double?) -> String {
            guard let value, value.isFinite else { return "-inf" }
            return String(format: "%.2f", value)
        }
        var line = "loudness_lufs \(decibels(loudness.integratedLUFS)), true_peak_db \(decibels(loudness.truePeakDB)), "
            + "loudness_range_lu \(decibels(loudness.loudnessRangeLU)), rms_db \(decibels(loudness.rmsDB)), peak_db \(decibels(loudness.samplePeakDB))"
        if let reduction = loudness.limiterMaxDB { line += ", limiter_max_db \(decibels(reduction))" }
        return line
    }
}
