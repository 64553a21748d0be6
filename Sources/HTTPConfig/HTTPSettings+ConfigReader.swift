import Basics

/// config.json's `http`: the limits and mappings of `audiospool serve`.
extension HTTPSettings: ConfigSection {
    public static let configKey = "http"

    public init(config reader: JSONObjectReader) throws(DocumentError) {
        var reader = reader
        self.init()
        if let value = try reader.int("max_body_bytes", in: 1024...(1 << 40)) { maxBodyBytes = value }
        if let value = try reader.double("header_timeout_s", in: 0.1...3600) { headerTimeoutSeconds = value }
        if let value = try reader.int("max_header_bytes", in: 1024...(1 << 20)) { maxHeaderBytes = value }
        if let value = try reader.int("min_body_bytes_per_s", in: 1...(1 << 30)) { minBodyBytesPerSecond = value }
        if let value = try reader.int("max_speech_waiters", in: 1...100_000) { maxSpeechWaiters = value }
        if let value = try reader.int("max_queue_depth", in: 1...10_000_000) { maxQueueDepth = value }
        if let value = try reader.int("retry_after_s", in: 1...3600) { retryAfterSeconds = value }
        if let value = try reader.int("speech_priority", in: 0...9) { speechPriority = value }
        if let value = try reader.double("speech_timeout_s", in: 1...86400) { speechTimeoutSeconds = value }
        if let value = try reader.bool("stream_speech") { streamSpeech = value }
        if let value = try reader.stringMap("models") { models = value }
        if var voices = try reader.object("voices") {
            var map: [String: [String: String]] = [:]
            for engine in voices.fields.keys.sorted() {
                map[engine] = try voices.stringMap(engine)
            }
            self.voices = map
        }
        try reader.rejectUnknownFields()
    }

    public var configValue: JSONValue {
        .object([
            "max_body_bytes": .number(Double(maxBodyBytes)),
            "header_timeout_s": .number(headerTimeoutSeconds),
            "max_header_bytes": .number(Double(maxHeaderBytes)),
            "min_body_bytes_per_s": .number(Double(minBodyBytesPerSecond)),
            "max_speech_waiters": .number(Double(maxSpeechWaiters)),
            "max_queue_depth": .number(Double(maxQueueDepth)),
            "retry_after_s": .number(Double(retryAfterSeconds)),
            "speech_priority": .number(Double(speechPriority)),
            "speech_timeout_s": .number(speechTimeoutSeconds),
            "stream_speech": .bool(streamSpeech),
            "models": .object(models.mapValues { .string($0) }),
            "voices": .object(voices.mapValues { .object($0.mapValues { .string($0) }) }),
        ])
    }
}
