import EngineProtocol

/// One file a job wants back (`output` or each item of `outputs`).
public struct OutputSpec: Sendable, Equatable, Encodable {
    public enum Format: String, Sendable, CaseIterable, Encodable {
        case wav
    }

    /// Sample storage: 16- or 24-bit integers, or 32-bit float ("32f").
    public enum BitDepth: String, Sendable, CaseIterable, Encodable {
        case int16 = "16"
        case int24 = "24"
        case float32 = "32f"
    }

    public var format: Format
    public var bitDepth: BitDepth?

    public init(format: Format = .wav, bitDepth: BitDepth? = nil) {
        self.format = format
        self.bitDepth = bitDepth
    }

    enum CodingKeys: String, CodingKey {
        case format
        case bitDepth = "bit_depth"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(format, forKey: .format)
        switch bitDepth {
        case .int16: try container.encode(16, forKey: .bitDepth)
        case .int24: try container.encode(24, forKey: .bitDepth)
        case .float32: try container.encode("32f", forKey: .bitDepth)
        case nil: break
        }
    }

    public static func parse(_ value: JSONValue, path: String) throws(DocumentError) -> OutputSpec {
        guard case .object(let fields) = value else {
            throw JSONObjectReader([:]).mismatch(path, "an object such as {\"format\": \"wav\"}", value)
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
        if let depth = reader.value("bit_depth") {
            let text = depth.intValue.map(String.init) ?? depth.stringValue ?? ""
            guard let known = BitDepth(rawValue: text) else {
                throw DocumentError("field \"\(reader.name("bit_depth"))\" must be 16, 24 or \"32f\", got \(depth.intValue.map(String.init) ?? "\"\(text)\"")")
            }
            spec.bitDepth = known
        }
        try reader.rejectUnknownFields()
        return spec
    }

    /// The file extension of this format.
    public var fileExtension: String { format.rawValue }
}
