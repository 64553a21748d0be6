import AudioCodec
import Basics
import EngineHost
import Foundation
import HTTPConfig
import Hummingbird
import NIOCore
import Spool

/// OpenAI's speech API on the spool: each request is a job (at
/// `http.speech_priority`), waited for, and answered with its audio. A
/// segmented task's audio streams: each segment is encoded and sent as soon
/// as the supervisor keeps it in `cur/<id>/segments/`.
struct SpeechRoutes: Sendable {
    let api: API

    func speak(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let caller: APIKeys.Caller?
        do {
            caller = try api.caller(request)
        } catch {
            throw OpenAIError(.unauthorized, "invalid_request_error", error.message, code: "invalid_api_key")
        }
        let body: Data
        do {
            body = try await BodyReader.collect(request, limit: api.config.limits.maxJobBytes * 4)
        } catch let error as APIError {
            throw OpenAIError(error.status, "invalid_request_error", error.message)
        }
        let speech = try SpeechRequest.parse(body)
        let registry = api.registry
        let manifest = try SpeechRequest.engine(for: speech.model, settings: api.settings, registry: registry)
        // Its "tts" task if it has one that speaks (tone's default task is a sine), else its default.
        let speaks = manifest.tasks["tts"].map { $0.text != .none } ?? false
        guard let task = speaks ? "tts" : manifest.defaultTask, let taskSpec = manifest.tasks[task], taskSpec.text != .none
        else {
            throw OpenAIError.invalid("model \"\(speech.model)\" (engine \(manifest.name)) does not speak text", param: "model")
        }
        let pending = api.queue.count()
        if pending > api.settings.maxQueueDepth {
            throw busy("the queue holds \(pending) jobs, over http.max_queue_depth (\(api.settings.maxQueueDepth)); try again later")
        }
        guard api.speechWaiters.enter() else {
            throw busy("\(api.settings.maxSpeechWaiters) speech requests are already waiting (http.max_speech_waiters); try again later")
        }
        let place = WaiterPlace(api.speechWaiters)
        let streaming = api.settings.streamSpeech && taskSpec.segmentation != nil
        let id = try submit(speech, engine: manifest.name, task: taskSpec, named: task, streaming: streaming, caller: caller)
        let deadline = ContinuousClock.now + .seconds(api.settings.speechTimeoutSeconds)
        let stream = SpeechStream(api: api, id: id, format: speech.format, segmentation: taskSpec.segmentation, deadline: deadline)
        if streaming {
            // Wait for the first segment (or the end), so a failure still
            // gets a proper status rather than a cut-off 200.
            try await stream.waitForFirstAudio()
            return Response(
                status: .ok, headers: [.contentType: speech.format.contentType, .init("X-Job-Id")!: id],
                body: ResponseBody { writer in
                    _ = place
                    try await stream.write(to: &writer)
                })
        }
        let output = try await stream.waitForResult()
        _ = place
        return try stream.fileResponse(output)
    }

    private func busy(_ message: String) -> OpenAIError {
        var error = OpenAIError(.tooManyRequests, "rate_limit_error", message, code: "rate_limit_exceeded")
        error.headers[.retryAfter] = String(api.settings.retryAfterSeconds)
        return error
    }

    /// The speech request as a job, delivered by the same code as `POST /v1/jobs`.
    private func submit(
        _ speech: SpeechRequest, engine: String, task taskSpec: EngineManifest.TaskSpec, named task: String, streaming: Bool, caller: APIKeys.Caller?
    ) throws(OpenAIError) -> String {
        var params: [String: JSONValue] = [:]
        // Only to a task that says it takes them (engine.json's `params`): others refuse unknown params.
        if let instructions = speech.instructions, taskSpec.params.contains("instructions") { params["instructions"] = .string(instructions) }
        if let voice = SpeechRequest.engineVoice(speech.voice, engine: engine, settings: api.settings) { params["voice"] = .string(voice) }
        if let speed = speech.speed, speed != 1 { params["speed"] = .number(speed) }
        // Streams are encoded here from the segments; the job keeps a WAV.
        let format = streaming || speech.format == .pcm || speech.format == .wav ? "wav" : speech.format.rawValue
        var job: [String: JSONValue] = [
            "engine": .string(engine), "task": .string(task), "text": .string(speech.input),
            "priority": .number(Double(api.settings.speechPriority)), "output": .object(["format": .string(format)]),
            "metadata": .object(["openai_speech": .object(["model": .string(speech.model), "voice": speech.voice.map(JSONValue.string) ?? .null])]),
        ]
        if !params.isEmpty { job["params"] = .object(params) }
        let data = (try? JSONEncoder.document().encode(JSONValue.object(job))) ?? Data()
        do {
            return try JobSubmitter(api: api).submit(body: data, contentType: "application/json", caller: caller, idempotencyKey: nil).id
        } catch {
            throw OpenAIError(error.status, error.status.code < 500 ? "invalid_request_error" : "api_error", error.message)
        }
    }

    func models(_ request: Request) throws -> Response {
        do { _ = try api.caller(request) } catch { throw OpenAIError(.unauthorized, "invalid_request_error", error.message, code: "invalid_api_key") }
        let registry = api.registry
        let speaking = registry.names.filter { name in registry[name]?.tasks.values.contains { $0.text != .none } == true }
        var ids = Set(speaking)
        for (model, engine) in api.settings.models where registry[engine] != nil { ids.insert(model) }
        let models: [JSONValue] = ids.sorted().map { id in
            .object(["id": .string(id), "object": "model", "created": 0, "owned_by": "audiospool"])
        }
        return JSONResponse.make(JSONValue.object(["object": "list", "data": .array(models)]))
    }

    /// OpenAI's names (each engine's default voice unless mapped) and each
    /// engine's own voices, as its running instance reported them.
    func voices(_ request: Request) throws -> Response {
        do { _ = try api.caller(request) } catch { throw OpenAIError(.unauthorized, "invalid_request_error", error.message, code: "invalid_api_key") }
        let catalog = EngineCatalog(api: api)
        let registry = catalog.registry
        var engines: [String: JSONValue] = [:]
        for name in registry.names where registry[name]?.tasks.values.contains(where: { $0.text != .none }) == true {
            let mapped = api.settings.voices[name] ?? [:]
            engines[name] = .object([
                "voices": .array(catalog.voices(of: name).map(JSONValue.string)),
                "openai_voices": .object(Dictionary(uniqueKeysWithValues: HTTPSettings.openAIVoices.map { ($0, mapped[$0].map(JSONValue.string) ?? .null) })),
            ])
        }
        return JSONResponse.make(JSONValue.object([
            "voices": .array(HTTPSettings.openAIVoices.map(JSONValue.string)), "engines": .object(engines),
        ]))
    }
}
