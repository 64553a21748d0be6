import Basics
import Crypto
import EngineProtocol
import Foundation
import Hummingbird
import Spool
import Supervisor

/// `POST /v1/jobs`: a job.json as SPOOL.md defines it (or a multipart form
/// with it and its input files), checked by the code that checks a dropped
/// job and `submit` (JobSpec.parse, JobCheck), then delivered the same way
/// (tmp/ → new/). Nothing is delivered unless every check passed.
struct JobSubmitter {
    let api: API

    struct Submitted {
        var id: String
        var spec: JobSpec
        /// The job an earlier request with this Idempotency-Key made; nothing new was delivered.
        var replayed: JobCatalog.Entry?
    }

    /// `overrides` is what the server sets: the caller's name, the
    /// Idempotency-Key, a speech request's priority.
    func submit(
        body: Data, contentType: String?, caller: APIKeys.Caller?, idempotencyKey: String?
    ) throws(APIError) -> Submitted {
        let type = Self.mediaType(contentType)
        var files: [(name: String, data: Data)] = []
        var jobData = body
        if type == "multipart/form-data" {
            guard let boundary = MultipartForm.boundary(contentType: contentType ?? "") else {
                throw APIError.badRequest("a multipart/form-data body needs a boundary parameter in Content-Type")
            }
            let form = try MultipartForm.parse(body, boundary: boundary)
            let jobs = form.parts.filter { $0.name == "job" }
            guard jobs.count == 1 else {
                throw APIError.badRequest("a multipart submission needs exactly one part named \"job\" (the job.json), found \(jobs.count)")
            }
            jobData = jobs[0].data
            let spec = try parse(jobData)
            var wanted = spec.inputs
            if let textFile = spec.textFile { wanted["text_file"] = textFile }
            for part in form.parts where part.name != "job" {
                guard let path = wanted[part.name] else {
                    let names = wanted.keys.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
                    throw APIError.badRequest(
                        "the part \"\(part.name)\" is not an input of the job (its parts: \"job\"\(names.isEmpty ? "" : ", " + names))")
                }
                guard part.data.count <= api.config.limits.maxInputBytes else {
                    throw APIError(.contentTooLarge, "bad_input", "the part \"\(part.name)\" is over the limit of \(api.config.limits.maxInputBytes) bytes")
                }
                guard !files.contains(where: { $0.name == path }) else {
                    throw APIError.badRequest("the part \"\(part.name)\" is given twice")
                }
                files.append((path, part.data))
            }
            for (name, path) in wanted.sorted(by: { $0.key < $1.key }) where !files.contains(where: { $0.name == path }) {
                throw APIError.badRequest("the job names \(name == "text_file" ? "a text_file" : "the input \"\(name)\"") (\(path)), but no part named \"\(name)\" carries it")
            }
        } else if !(type.isEmpty || type == "application/json" || type.hasSuffix("+json")) {
            throw APIError(.unsupportedMediaType, "bad_input", "send the job as application/json or multipart/form-data, not \(type)")
        }
        let raw = try parse(jobData)
        let stamped = try stamp(jobData, caller: caller, idempotencyKey: idempotencyKey)
        let spec = stamped == jobData ? raw : try parse(stamped)
        var text = spec.text
        if let textFile = raw.textFile {
            guard let data = files.first(where: { $0.name == textFile })?.data else {
                throw APIError.badRequest("field \"text_file\" names \(textFile), which a JSON submission cannot carry; send it as multipart/form-data")
            }
            guard let contents = String(data: data, encoding: .utf8) else {
                throw APIError.badRequest("the text_file \(textFile) is not UTF-8 text")
            }
            guard contents.count <= api.config.limits.maxTextCharacters else {
                throw APIError.badRequest("the text_file \(textFile) has \(contents.count) characters, over the limit of \(api.config.limits.maxTextCharacters)")
            }
            text = contents
        }
        if !raw.inputs.isEmpty && files.isEmpty {
            throw APIError.badRequest("the job names inputs (\(raw.inputs.keys.sorted().joined(separator: ", "))): send them as multipart/form-data, one part per input")
        }
        do {
            // Without the engines folder the supervisor checks it at the claim, as for a dropped job.
            if let registry = api.engines.installed() { try JobCheck.check(spec, text: text, registry: registry) }
            try JobCheck.checkWebhook(spec, config: api.config)
        } catch {
            throw APIError.badRequest(error.message, kind: error.kind.rawValue)
        }
        // One Idempotency-Key, one job: its id is the key's (and the caller's),
        // so a request sent again finds the job, and two at once cannot both
        // deliver (new/ refuses the second name).
        let id = idempotencyKey.map { Self.jobID(idempotencyKey: $0, caller: caller) } ?? Spool.newJobID(base: spec.engine)
        if idempotencyKey != nil, let earlier = try replay(id, stamped: stamped, spec: spec) { return earlier }
        api.queue.delivering(id: id)
        do {
            if files.isEmpty {
                let delivered = try api.delivery.deliver(job: stamped, id: id, durable: api.config.durable)
                api.queue.delivered(entry: delivered.entry, id: id, priority: spec.priority, arrived: delivered.arrived)
            } else {
                let entry = try api.spool.deliver(job: stamped, id: id, contents: files, durable: api.config.durable)
                api.queue.delivered(entry: entry, id: id, priority: spec.priority)
            }
        } catch where idempotencyKey != nil && error.errno.rawValue == EEXIST {
            api.queue.abandoned(id: id)
            if let earlier = try replay(id, stamped: stamped, spec: spec) { return earlier }
            throw APIError(.conflict, "conflict", "a request with this Idempotency-Key is being delivered; send it again to see its job")
        } catch {
            api.queue.abandoned(id: id)
            api.logger.error("delivery failed", metadata: ["error": "\(error)"])
            throw APIError(.serviceUnavailable, "transient", "could not deliver the job into the spool: \(error.errno)")
        }
        return Submitted(id: id, spec: spec)
    }

    /// `application/json; charset=utf-8` → `application/json`, without Foundation's trimming.
    static func mediaType(_ header: String?) -> String {
        guard let header else { return "" }
        let type = header.utf8.split(separator: UInt8(ascii: ";"), maxSplits: 1, omittingEmptySubsequences: false).first ?? Substring(header).utf8[...]
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard let start = type.firstIndex(where: { !blank($0) }), let end = type.lastIndex(where: { !blank($0) }) else { return "" }
        return String(Substring(type[start...end])).lowercased()
    }

    /// `idem-` and 24 hex digits of sha256(caller, key): the same for the
    /// same caller and key, another tenant's key never meets it.
    static func jobID(idempotencyKey: String, caller: APIKeys.Caller?) -> String {
        let digest = SHA256.hash(data: Data("\(caller?.name ?? "")\u{0}\(idempotencyKey)".utf8))
        return "idem-" + digest.prefix(12).map { String(format: "%02x", $0) }.joined()
    }

    /// The job an earlier request with the same key made, if there is one:
    /// the same job asked for again is that job; another job under the key is refused.
    private func replay(_ id: String, stamped: Data, spec: JobSpec) throws(APIError) -> Submitted? {
        guard let entry = api.catalog.find(id) else { return nil }
        let asked = (try? JSONDecoder().decode(JSONValue.self, from: stamped))?.objectValue
        guard let earlier = api.catalog.jobDocument(entry), earlier == asked else {
            throw APIError(
                .conflict, "conflict",
                "the Idempotency-Key was used for another job (\(id)); a key stands for one job, sent again exactly as it was")
        }
        return Submitted(id: id, spec: spec, replayed: entry)
    }

    private func parse(_ data: Data) throws(APIError) -> JobSpec {
        do {
            return try JobSpec.parse(data, limits: api.config.limits)
        } catch {
            throw APIError.badRequest(error.message)
        }
    }

    /// The job as delivered: `metadata.submitted_by` set to the caller's
    /// name, and `idempotency_key` from the header.
    private func stamp(_ data: Data, caller: APIKeys.Caller?, idempotencyKey: String?) throws(APIError) -> Data {
        guard caller != nil || idempotencyKey != nil else { return data }
        guard var object = (try? JSONDecoder().decode(JSONValue.self, from: data))?.objectValue else { return data }
        if let caller {
            var metadata: [String: JSONValue] = [:]
            switch object["metadata"] {
            case nil, .null?: break
            case .object(let fields)?: metadata = fields
            case let other?:
                throw APIError.badRequest("field \"metadata\" must be an object here (the server adds \"submitted_by\" to it), got \(other)")
            }
            if metadata["submitted_by"] != nil {
                throw APIError.badRequest("field \"metadata.submitted_by\" is set by the server, from the key; leave it out")
            }
            metadata["submitted_by"] = .string(caller.name)
            object["metadata"] = .object(metadata)
        }
        if let idempotencyKey {
            if let given = object["idempotency_key"], given != .string(idempotencyKey) {
                throw APIError.badRequest("the Idempotency-Key header and the field \"idempotency_key\" differ; give one")
            }
            object["idempotency_key"] = .string(idempotencyKey)
        }
        let encoder = JSONEncoder.document()
        return ((try? encoder.encode(JSONValue.object(object))) ?? data) + Data("\n".utf8)
    }
}
