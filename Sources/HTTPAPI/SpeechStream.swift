import AudioCodec
import Basics
import EngineHost
import Foundation
import Glibc
import Hummingbird
import NIOCore
import Spool

/// One speech job followed to its audio: its segments as the supervisor
/// keeps them (`cur/<id>/segments/NNNNN.wav`, in plan.json's order, with
/// the pauses the stitcher puts between them), then, for whatever was not
/// sent before the job finished, its stitched output in `done/<id>/`.
struct SpeechStream: Sendable {
    let api: API
    let id: String
    let format: StreamEncoder.Format
    let segmentation: EngineManifest.Segmentation?
    let deadline: ContinuousClock.Instant

    enum Where {
        case running(ConfinedDirectory)
        case done(JobResult, JobFolder)
        case failed(JobFailure?)
        case waiting
    }

    func locate() -> Where {
        switch api.spool.locate(id) {
        case .cur?:
            guard let folder = try? ConfinedDirectory(path: api.spool.path(of: .cur, id)) else { return .waiting }
            return .running(folder)
        case .done?:
            let folder = JobFolder(path: api.spool.path(of: .done, id))
            guard let result = folder.read(JobResult.self, from: folder.resultFile) else { return .waiting }
            return .done(result, folder)
        case .failed?:
            let folder = JobFolder(path: api.spool.path(of: .failed, id))
            return .failed(folder.read(JobFailure.self, from: folder.errorFile))
        default:
            return .waiting
        }
    }

    func failure(_ failure: JobFailure?) -> OpenAIError {
        guard let failure else { return OpenAIError(.internalServerError, "api_error", "job \(id) failed") }
        switch failure.error.kind {
        case .badInput, .unsupported:
            return OpenAIError.invalid("\(failure.error.message) (job \(id))")
        case .cancelled:
            return OpenAIError(.conflict, "api_error", "job \(id) was cancelled")
        default:
            return OpenAIError(.internalServerError, "api_error", "\(failure.error.message) (job \(id), \(failure.error.kind.rawValue))")
        }
    }

    /// The notifier's changes ended: the server is stopping (or the wait ran out).
    private func ended() -> OpenAIError {
        guard ContinuousClock.now <= deadline else { return timedOut() }
        var error = OpenAIError(.serviceUnavailable, "api_error", "the server is stopping; job \(id) goes on in the spool (GET /v1/jobs/\(id))")
        error.headers[.retryAfter] = "1"
        return error
    }

    private func timedOut() -> OpenAIError {
        OpenAIError(.gatewayTimeout, "api_error", "job \(id) did not finish within http.speech_timeout_s; it goes on in the spool (GET /v1/jobs/\(id))")
    }

    /// Until the first segment is kept or the job has ended.
    func waitForFirstAudio() async throws {
        for await _ in api.notifier.changes(of: id) {
            switch locate() {
            case .running(let folder):
                if folder.info("segments/" + Self.segmentName(0))?.type == .regular { return }
            case .done: return
            case .failed(let failure): throw self.failure(failure)
            case .waiting: break
            }
            if ContinuousClock.now > deadline { throw timedOut() }
        }
        throw ended()
    }

    func waitForResult() async throws -> (JobResult, JobFolder) {
        for await _ in api.notifier.changes(of: id) {
            switch locate() {
            case .done(let result, let folder): return (result, folder)
            case .failed(let failure): throw self.failure(failure)
            default: break
            }
            if ContinuousClock.now > deadline { throw timedOut() }
        }
        throw ended()
    }

    /// The finished job's file, whole (pcm: its WAV's samples, raw).
    func fileResponse(_ done: (JobResult, JobFolder)) throws -> Response {
        let (result, folder) = done
        guard let output = result.outputs.first else { throw OpenAIError(.internalServerError, "api_error", "job \(id) has no output") }
        let directory = try folder.directory()
        let descriptor = try directory.openRegular(output.path, O_RDONLY | O_CLOEXEC)
        if format == .pcm {
            let reader = try SoundFileReader(descriptor: descriptor, name: output.path)
            let encoder = try StreamEncoder(format: .pcm, sampleRate: reader.properties.sampleRate, channels: reader.properties.channels)
            var bytes = try encoder.encode(Self.readAll(reader, skipping: 0))
            bytes += try encoder.finish()
            return Response(status: .ok, headers: [.contentType: format.contentType, .init("X-Job-Id")!: id], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        let file = OpenFile(descriptor)
        var status = stat()
        fstat(descriptor, &status)
        let size = Int(status.st_size)
        let body = ResponseBody(contentLength: size) { writer in
            var offset = 0
            var buffer = [UInt8](repeating: 0, count: 256 << 10)
            while offset < size {
                let count = buffer.withUnsafeMutableBytes { pread(file.descriptor, $0.baseAddress, min($0.count, size - offset), off_t(offset)) }
                guard count > 0 else { break }
                try await writer.write(ByteBuffer(bytes: buffer[0..<count]))
                offset += count
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: format.contentType, .init("X-Job-Id")!: id], body: body)
    }

    /// Streams the segments as they are kept, encoding as it goes.
    func write(to writer: inout any ResponseBodyWriter) async throws {
        var encoder: StreamEncoder?
        var sentSegments = 0
        var sentFrames = 0
        var plan: [String]?  // each segment's end: clause, sentence or paragraph
        var rate = 0
        for await _ in api.notifier.changes(of: id) {
            switch locate() {
            case .running(let folder):
                if plan == nil { plan = Self.plan(in: folder) }
                guard let plan else { break }
                while sentSegments < plan.count, let reader = Self.openSegment(sentSegments, in: folder) {
                    if encoder == nil {
                        rate = reader.properties.sampleRate
                        encoder = try StreamEncoder(format: format, sampleRate: rate, channels: reader.properties.channels, scratch: api.spool.tmp)
                    }
                    var samples: [Float] = []
                    if sentSegments > 0 {
                        let gap = gapFrames(after: plan[sentSegments - 1], rate: rate) * reader.properties.channels
                        samples = [Float](repeating: 0, count: gap)
                    }
                    samples += try Self.readAll(reader, skipping: 0)
                    try await writer.write(ByteBuffer(bytes: try encoder!.encode(samples)))
                    sentFrames += samples.count / reader.properties.channels
                    sentSegments += 1
                }
            case .done(let result, let folder):
                // What the stream has not sent yet, from the stitched output.
                guard let output = result.outputs.first else { break }
                let directory = try folder.directory()
                let reader = try SoundFileReader(descriptor: try directory.openRegular(output.path, O_RDONLY | O_CLOEXEC), name: output.path)
                if encoder == nil {
                    encoder = try StreamEncoder(format: format, sampleRate: reader.properties.sampleRate, channels: reader.properties.channels, scratch: api.spool.tmp)
                }
                try await writer.write(ByteBuffer(bytes: try encoder!.encode(Self.readAll(reader, skipping: sentFrames))))
                try await writer.write(ByteBuffer(bytes: try encoder!.finish()))
                try await writer.finish(nil)
                return
            case .failed(let failure):
                // Too late for a status: the client sees the stream cut short.
                throw self.failure(failure)
            case .waiting:
                break
            }
            if ContinuousClock.now > deadline { throw timedOut() }
        }
        throw ended()
    }

    private func gapFrames(after end: String, rate: Int) -> Int {
        let defaults = segmentation ?? EngineManifest.Segmentation()
        let sentence = Double(defaults.sentencePauseMilliseconds) / 1000
        let seconds: Double =
            switch end {
            case "clause": sentence / 2
            case "paragraph": Double(defaults.paragraphPauseMilliseconds) / 1000
            default: sentence
            }
        return Int((seconds * Double(rate)).rounded())
    }

    static func segmentName(_ index: Int) -> String {
        String(format: "%05d.wav", index + 1)
    }

    /// plan.json's segments' ends, once the supervisor has written it.
    static func plan(in folder: ConfinedDirectory) -> [String]? {
        guard let data = try? folder.read("segments/plan.json", limit: 64 << 20),
            let plan = try? JSONDecoder().decode(JSONValue.self, from: data),
            case .array(let segments)? = plan.objectValue?["segments"]
        else { return nil }
        return segments.map { $0.objectValue?["end"]?.stringValue ?? "sentence" }
    }

    static func openSegment(_ index: Int, in folder: ConfinedDirectory) -> SoundFileReader? {
        guard let descriptor = try? folder.openRegular("segments/" + segmentName(index), O_RDONLY | O_CLOEXEC) else { return nil }
        return try? SoundFileReader(descriptor: descriptor, name: segmentName(index))
    }

    static func readAll(_ reader: SoundFileReader, skipping frames: Int) throws -> [Float] {
        let channels = reader.properties.channels
        var samples: [Float] = []
        var chunk = [Float](repeating: 0, count: 16384 * channels)
        var skip = frames
        while true {
            let got = try chunk.withUnsafeMutableBufferPointer { pointer throws(AudioError) in try reader.read(into: pointer) }
            if got == 0 { break }
            let dropped = min(skip, got)
            skip -= dropped
            samples += chunk[(dropped * channels)..<(got * channels)]
        }
        return samples
    }
}
