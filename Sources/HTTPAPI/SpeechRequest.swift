import Basics
import EngineHost
import Foundation
import HTTPConfig

/// `POST /v1/audio/speech`'s body, read as strictly as a job, and mapped
/// onto an engine: OpenAI's model and voice names through config.json's
/// `http.models` and `http.voices`, an engine's own names directly.
struct SpeechRequest {
    var model: String
    var input: String
    var voice: String?
    var format: StreamEncoder.Format
    var speed: Double?
    var instructions: String?

    static func parse(_ data: Data) throws(OpenAIError) -> SpeechRequest {
        do {
            var reader = try JSONObjectReader.parse(data, what: "the request body")
            let model = try reader.requiredString("model")
            let input = try reader.requiredString("input")
            let voice = try reader.value("voice").map { value throws(DocumentError) -> String in
                // Newer SDKs may send {"id": "..."} for a custom voice.
                if let id = value.objectValue?["id"]?.stringValue { return id }
                guard let name = value.stringValue else { throw reader.mismatch("voice", "a string", value) }
                return name
            }
            let formatName = try reader.string("response_format") ?? "mp3"
            guard let format = StreamEncoder.Format(rawValue: formatName) else {
                throw OpenAIError.invalid(
                    "response_format \"\(formatName)\" is not supported; the supported formats are \(StreamEncoder.Format.allCases.map(\.rawValue).joined(separator: ", "))",
                    param: "response_format")
            }
            let speed = try reader.double("speed", in: 0.25...4.0)
            let instructions = try reader.string("instructions")
            if let streamFormat = try reader.string("stream_format"), streamFormat != "audio" {
                throw OpenAIError.invalid("stream_format \"\(streamFormat)\" is not supported; use \"audio\"", param: "stream_format")
            }
            try reader.rejectUnknownFields()
            guard input.contains(where: { !$0.isWhitespace }) else {
                throw OpenAIError.invalid("input is empty", param: "input")
            }
            return SpeechRequest(model: model, input: input, voice: voice, format: format, speed: speed, instructions: instructions)
        } catch let error as DocumentError {
            throw OpenAIError.invalid(error.message)
        } catch let error as OpenAIError {
            throw error
        } catch {
            throw OpenAIError.invalid("\(error)")
        }
    }

    /// The engine a model name means.
    static func engine(for model: String, settings: HTTPSettings, registry: EngineRegistry) throws(OpenAIError) -> EngineManifest {
        let name = settings.models[model] ?? model
        guard let manifest = registry[name] else {
            let known = (Array(settings.models.keys) + registry.names).sorted()
            throw OpenAIError(
                .badRequest, "invalid_request_error",
                "model \"\(model)\" is not known here (models: \(Set(known).sorted().joined(separator: ", ")))", param: "model",
                code: "model_not_found")
        }
        return manifest
    }

    /// The engine's voice id for `voice`: mapped in config, or OpenAI's
    /// name (the engine's default voice: nil), or the engine's own id.
    static func engineVoice(_ voice: String?, engine: String, settings: HTTPSettings) -> String? {
        guard let voice else { return nil }
        if let mapped = settings.voices[engine]?[voice] { return mapped }
        if HTTPSettings.openAIVoices.contains(voice) { return nil }
        return voice
    }
}
