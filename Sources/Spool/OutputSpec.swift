import Basics

/// One file a job wants back (`output` or each item of `outputs`): the
/// format and its options, and the processing on the way (SPOOL.md).
public struct OutputSpec: Sendable, Equatable {
    public enum Format: String, Sendable, CaseIterable {
        case wav, mp3, flac, opus, m4b, m4a, aac, pcm

        /// The formats with a bit rate, and the range each takes.
        public var bitrates: ClosedRange<Int>? {
            switch self {
            case .mp3: 8...320
            case .opus: 6...510
            case .m4b, .m4a, .aac: 16...320
            case .wav, .flac, .pcm: nil
            }
        }
    }

    /// Sample storage: 16- or 24-bit integers, or 32-bit float ("32f", WAV only).
    public enum BitDepth: String, Sendable, CaseIterable {
        case int16 = "16"
        case int24 = "24"
        case float32 = "32f"
    }

    public var format: Format
    public var bitDepth: BitDepth?
    /// MP3 constant bit rate; Opus and AAC (M4B, M4A, ADTS) target rate.
    public var bitrateKbps: Int?
    /// MP3 variable bit rate, LAME quality 0 (best) … 9.
    public var vbrQuality: Int?
    /// FLAC, 0 (fastest) … 8 (smallest).
    public var compressionLevel: Int?
    public var sampleRate: Int?
    /// 1 (mono) or 2 (stereo).
    public var channels: Int?
    /// Loudness targets users need not know the numbers of (SPOOL.md).
    public enum LoudnessPreset: String, Sendable, CaseIterable {
        case podcast, audiobook, broadcast
    }

    /// A preset, instead of `loudnessLUFS` and `truePeakDB`.
    public var loudnessPreset: LoudnessPreset?
    /// EBU R128 integrated loudness to normalise to.
    public var loudnessLUFS: Double?
    /// The true-peak ceiling for loudness normalisation (default −1 dBTP).
    public var truePeakDB: Double?
    /// title, artist, album, track, comment.
    public var tags: [String: String]
    /// A job with chapters: also (or only) one file per chapter.
    public var split: Split?

    /// `chapters`: a file per chapter besides the joined one;
    /// `chapters_only`: a file per chapter instead of it.
    public enum Split: String, Sendable, CaseIterable {
        case chapters
        case chaptersOnly = "chapters_only"
    }

    public init(format: Format = .wav, bitDepth: BitDepth? = nil) {
        self.format = format
        self.bitDepth = bitDepth
        self.tags = [:]
    }

    public var fileExtension: String { format.rawValue }

    /// The bit rates LAME encodes (MPEG-1 and -2 together).
    public static let mp3Bitrates = [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 192, 224, 256, 320]
    public static let mp3SampleRates = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000]
    /// The rates AAC has an index for, and the one Opus runs at.
    public static let aacSampleRates = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000]
    public static let opusSampleRate = 48000
    public static let tagNames = ["title", "artist", "album", "track", "comment"]
}

extension OutputSpec {
    public static func parse(_ value: JSONValue, path: String) throws(DocumentError) -> OutputSpec {
        guard case .object(let fields) = value else {
            throw JSONObjectReader([:]).mismatch(path, "an object such as {\"format\": \"mp3\"}", value)
        }
        var reader = JSONObjectReader(fields, path: path)
        var spec = OutputSpec()
        if let format = try reader.string("format") {
            guard let known = Format(rawValue: format.lowercased()) else {
                let formats = Format.allCases.map(\.rawValue).joined(separator: ", ")
                throw DocumentError("field \"\(reader.name("format"))\" must be one of \(formats), got \"\(format)\"")
            }
            spec.format = known
        }
        func only(_ field: String, for formats: [Format]) throws(DocumentError) {
            guard formats.contains(spec.format) else {
                let names = formats.count == 1 ? formats[0].rawValue
                    : formats.dropLast().map(\.rawValue).joined(separator: ", ") + " and " + formats.last!.rawValue
                throw DocumentError("field \"\(reader.name(field))\" applies to \(names) only, not \(spec.format.rawValue)")
            }
        }
        if let depth = reader.value("bit_depth") {
            try only("bit_depth", for: [.wav, .flac])
            let text = depth.intValue.map(String.init) ?? depth.stringValue ?? ""
            let allowed: [BitDepth] = spec.format == .flac ? [.int16, .int24] : BitDepth.allCases
            guard let known = BitDepth(rawValue: text), allowed.contains(known) else {
                let shown = allowed.map { $0 == .float32 ? "\"32f\"" : $0.rawValue }.joined(separator: ", ")
                throw DocumentError("field \"\(reader.name("bit_depth"))\" must be one of \(shown) for \(spec.format.rawValue), got \(depth.intValue.map(String.init) ?? "\"\(text)\"")")
            }
            spec.bitDepth = known
        }
        if let kbps = try reader.int("bitrate_kbps", in: 6...510) {
            try only("bitrate_kbps", for: Format.allCases.filter { $0.bitrates != nil })
            if spec.format == .mp3 {
                guard mp3Bitrates.contains(kbps) else {
                    throw DocumentError("field \"\(reader.name("bitrate_kbps"))\" must be one of \(mp3Bitrates.map(String.init).joined(separator: ", ")), got \(kbps)")
                }
            } else if let range = spec.format.bitrates, !range.contains(kbps) {
                throw DocumentError("field \"\(reader.name("bitrate_kbps"))\" must be \(range.lowerBound) to \(range.upperBound) for \(spec.format.rawValue), got \(kbps)")
            }
            spec.bitrateKbps = kbps
        }
        if let quality = try reader.int("vbr_quality", in: 0...9) {
            try only("vbr_quality", for: [.mp3])
            guard spec.bitrateKbps == nil else {
                throw DocumentError("give either \"bitrate_kbps\" (constant bit rate) or \"vbr_quality\" (variable), not both")
            }
            spec.vbrQuality = quality
        }
        if let level = try reader.int("compression_level", in: 0...8) {
            try only("compression_level", for: [.flac])
            spec.compressionLevel = level
        }
        if let rate = try reader.int("sample_rate", in: 8000...384_000) {
            let held: [Int]? =
                switch spec.format {
                case .mp3: mp3SampleRates
                case .m4b, .m4a, .aac: aacSampleRates
                case .opus: [opusSampleRate]
                default: nil
                }
            if let held, !held.contains(rate) {
                let names = spec.format == .opus ? "48000 (Opus always runs at 48 kHz)" : "one of " + held.map(String.init).joined(separator: ", ")
                throw DocumentError("field \"\(reader.name("sample_rate"))\" must be \(names) for \(spec.format.rawValue), got \(rate)")
            }
            spec.sampleRate = rate
        }
        spec.channels = try reader.int("channels", in: 1...2)
        if let preset = try reader.string("loudness") {
            guard let known = LoudnessPreset(rawValue: preset) else {
                let presets = LoudnessPreset.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                throw DocumentError("field \"\(reader.name("loudness"))\" must be one of \(presets), got \"\(preset)\"")
            }
            spec.loudnessPreset = known
        }
        spec.loudnessLUFS = try reader.double("loudness_lufs", in: -70...(-5))
        if let preset = spec.loudnessPreset, spec.loudnessLUFS != nil {
            throw DocumentError("give either \"loudness\" (the preset \"\(preset.rawValue)\") or \"loudness_lufs\", not both")
        }
        if let ceiling = try reader.double("true_peak_db", in: -9...0) {
            if let preset = spec.loudnessPreset {
                throw DocumentError("field \"\(reader.name("true_peak_db"))\": the preset \"\(preset.rawValue)\" has its own ceiling; give \"loudness_lufs\" and \"true_peak_db\" instead")
            }
            guard spec.loudnessLUFS != nil else {
                throw DocumentError("field \"\(reader.name("true_peak_db"))\" is the ceiling of loudness normalisation; give \"loudness_lufs\" too")
            }
            spec.truePeakDB = ceiling
        }
        if let tags = try reader.stringMap("tags") {
            for (name, value) in tags {
                guard tagNames.contains(name) else {
                    throw DocumentError("tag \"\(name)\" is not one of \(tagNames.joined(separator: ", "))")
                }
                guard value.utf8.count <= 1024 else {
                    throw DocumentError("tag \"\(name)\" is \(value.utf8.count) bytes, over the limit of 1024")
                }
                // A NUL ends a C string: the tag would be cut short silently.
                guard !value.utf8.contains(0) else { throw DocumentError("tag \"\(name)\" contains a NUL character") }
            }
            spec.tags = tags
        }
        if let split = try reader.string("split") {
            guard let known = Split(rawValue: split) else {
                throw DocumentError("field \"\(reader.name("split"))\" must be \"chapters\" (a file per chapter besides the joined one) or \"chapters_only\" (instead of it), got \"\(split)\"")
            }
            spec.split = known
        }
        try reader.rejectUnknownFields()
        return spec
    }
}

extension OutputSpec: Encodable {
    enum CodingKeys: String, CodingKey {
        case format, channels, tags, loudness, split
        case bitDepth = "bit_depth"
        case bitrateKbps = "bitrate_kbps"
        case vbrQuality = "vbr_quality"
        case compressionLevel = "compression_level"
        case sampleRate = "sample_rate"
        case loudnessLUFS = "loudness_lufs"
        case truePeakDB = "true_peak_db"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(format.rawValue, forKey: .format)
        switch bitDepth {
        case .int16: try container.encode(16, forKey: .bitDepth)
        case .int24: try container.encode(24, forKey: .bitDepth)
        case .float32: try container.encode("32f", forKey: .bitDepth)
        case nil: break
        }
        try container.encodeIfPresent(bitrateKbps, forKey: .bitrateKbps)
        try container.encodeIfPresent(vbrQuality, forKey: .vbrQuality)
        try container.encodeIfPresent(compressionLevel, forKey: .compressionLevel)
        try container.encodeIfPresent(sampleRate, forKey: .sampleRate)
        try container.encodeIfPresent(channels, forKey: .channels)
        try container.encodeIfPresent(loudnessPreset?.rawValue, forKey: .loudness)
        try container.encodeIfPresent(loudnessLUFS, forKey: .loudnessLUFS)
        try container.encodeIfPresent(truePeakDB, forKey: .truePeakDB)
        if !tags.isEmpty { try container.encode(tags, forKey: .tags) }
        try container.encodeIfPresent(split?.rawValue, forKey: .split)
    }
}
