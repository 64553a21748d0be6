import Basics
import Foundation
import Hummingbird
import NIOCore
import Spool
import Webhooks

/// The jobs API: submit, look, list, follow, download, cancel, retry.
struct JobRoutes: Sendable {
    let api: API

    func submit(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let caller = try api.caller(request)
        let body = try await BodyReader.collect(request, limit: api.settings.maxBodyBytes)
        let key = request.headers[.init("Idempotency-Key")!]
        let submitted = try JobSubmitter(api: api).submit(
            body: body, contentType: request.headers[.contentType], caller: caller, idempotencyKey: key)
        let base = "/v1/jobs/" + JobView.escape(submitted.id)
        if let earlier = submitted.replayed {
            // The Idempotency-Key's job, as it is now; nothing new was delivered.
            return JSONResponse.make(JobView(api: api).render(earlier), headers: [.location: base, .init("Idempotent-Replayed")!: "true"])
        }
        var fields: [String: JSONValue] = [
            "id": .string(submitted.id), "state": "queued",
            "links": .object(["self": .string(base), "events": .string(base + "/events")]),
        ]
        fields["queue_position"] = .number(Double(api.queue.positionOfNewest(priority: submitted.spec.priority)))
        return JSONResponse.make(JSONValue.object(fields), status: .accepted, headers: [.location: base])
    }

    /// A finished job's answer is made once (FinishedViews); a pending or
    /// running one's each time, from its files.
    func get(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        let caller = try api.caller(request)
        let id = try PathParameter.jobID(context.parameters.get("id") ?? "")
        if let view = api.finished.view(of: id) {
            guard caller?.mayAccess(owner: view.owner) ?? true else { throw APIError.notFound("no job \(id)") }
            return JSONResponse.make(body: view.body)
        }
        let entry = try api.job(id: id, for: caller)
        let folder = FileSystem.info(api.spool.path(of: entry.folder, entry.name))
        let rendered = JobView(api: api).render(entry)
        let body = JSONResponse.body(rendered)
        if let folder {
            api.finished.keep(entry, owner: rendered.objectValue?["submitted_by"]?.stringValue, body: body, folderBefore: folder)
        }
        return JSONResponse.make(body: body)
    }

    /// Newest first; `cursor` is the last id of the previous page.
    func list(_ request: Request) throws -> Response {
        let caller = try api.caller(request)
        let query = request.uri.queryParameters
        var folders = Spool.Folder.allCases
        var wanted: JobCatalog.State?
        if let state = query.get("state") {
            guard let parsed = JobCatalog.State(rawValue: state) else {
                throw APIError.badRequest("state must be one of \(JobCatalog.State.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(state)\"")
            }
            wanted = parsed
            folders = [Self.folder(of: parsed)]
        }
        var limit = 50
        if let text = query.get("limit") {
            guard let value = Int(text), (1...1000).contains(value) else {
                throw APIError.badRequest("limit must be an integer from 1 to 1000, got \"\(text)\"")
            }
            limit = value
        }
        let catalog = api.catalog
        var entries = catalog.all(in: folders).filter { api.mayAccess($0, caller) }
        if let cursor = query.get("cursor") {
            guard let after = Cursor.decode(cursor) else { throw APIError.badRequest("cursor \"\(cursor)\" is not one this server gave") }
            entries = entries.filter { (Cursor.nanoseconds($0.created), $0.id) < (after.nanoseconds, after.id) }
        }
        let view = JobView(api: api)
        var page: [JSONValue] = []
        var last: JobCatalog.Entry?
        for entry in entries {
            if page.count == limit { break }
            let rendered = view.render(entry, detail: false)
            // failed/ holds both failed and cancelled jobs.
            if let wanted, rendered.objectValue?["state"]?.stringValue != wanted.rawValue { continue }
            page.append(rendered)
            last = entry
        }
        var fields: [String: JSONValue] = ["jobs": .array(page)]
        if page.count == limit, let last, entries.last?.id != last.id {
            fields["next_cursor"] = .string(Cursor.encode(created: last.created, id: last.id))
        }
        return JSONResponse.make(JSONValue.object(fields))
    }

    static func folder(of state: JobCatalog.State) -> Spool.Folder {
        switch state {
        case .queued: .new
        case .running: .cur
        case .done: .done
        case .failed, .cancelled: .failed
        }
    }

    /// Cancels through the spool, as `audiospool cancel` does: a pending job
    /// is failed at once, a running one is asked to stop through cancel/.
    func cancel(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let entry = try api.job(context.parameters.get("id") ?? "", for: api.caller(request))
        let spool = api.spool
        switch entry.folder {
        case .new:
            if try spool.cancelPending(entry.id, durable: api.config.durable) {
                WebhookOutbox.jobCancelledBeforeRunning(entry.id, in: spool, settings: api.webhooks, limits: api.config.limits)
                break
            }
            try spool.requestCancel(entry.id)
        case .cur:
            try spool.requestCancel(entry.id)
        case .done, .failed:
            throw APIError(.conflict, "conflict", "job \(entry.id) has already finished (\(api.catalog.state(entry).0.rawValue))")
        }
        let now = api.catalog.find(entry.id) ?? entry
        return JSONResponse.make(JobView(api: api).render(now), status: .accepted)
    }

    /// Moves a failed (or cancelled) job back to new/ with a fresh attempt budget.
    func retry(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        let entry = try api.job(context.parameters.get("id") ?? "", for: api.caller(request))
        guard entry.folder == .failed else {
            throw APIError(.conflict, "conflict", "only a failed or cancelled job can be retried; \(entry.id) is \(api.catalog.state(entry).0.rawValue)")
        }
        do {
            _ = try api.spool.retryFailed(entry.id)
        } catch {
            throw APIError(.conflict, "conflict", "job \(entry.id) could not be moved back to new/ (\(error.errno))")
        }
        let now = api.catalog.find(entry.id) ?? entry
        return JSONResponse.make(JobView(api: api).render(now), status: .accepted)
    }

    /// Server-Sent Events: the job's document whenever its state or
    /// progress changes, woken by the spool's files, until it ends.
    func events(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        let entry = try api.job(context.parameters.get("id") ?? "", for: api.caller(request))
        let api = api
        let body = ResponseBody { writer in
            var lastState: String?
            var lastProgress: Double?
            var misses = 0
            var quietSince = ContinuousClock.now
            for await _ in api.notifier.changes(of: entry.id) {
                // Gone (removed by retention, or by hand): the stream ends.
                // Gone only if two wakes in a row cannot find it: a job being
                // finished is missed by a look now and then, between its renames.
                guard let now = EventRoutes.find(entry.id, api) else {
                    misses += 1
                    if misses >= 2 { break }
                    continue
                }
                misses = 0
                let view = JobView(api: api).render(now, detail: false)
                let state = view.objectValue?["state"]?.stringValue
                let progress = view.objectValue?["progress"]?.doubleValue
                if state != lastState {
                    try await writer.write(ByteBuffer(string: Self.event("state", view)))
                    quietSince = .now
                } else if progress != lastProgress {
                    try await writer.write(ByteBuffer(string: Self.event("progress", view)))
                    quietSince = .now
                } else if ContinuousClock.now - quietSince > .seconds(15) {
                    try await writer.write(ByteBuffer(string: ": still here\n\n"))
                    quietSince = .now
                }
                lastState = state
                lastProgress = progress
                if ["done", "failed", "cancelled"].contains(state) { break }
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
    }

    static func event(_ name: String, _ data: JSONValue) -> String {
        "event: \(name)\ndata: \(json(data))\n\n"
    }

    /// One line of JSON (sorted keys), as an event's data.
    static func json(_ data: JSONValue) -> String {
        (try? JSONResponse.encoder.encode(data)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    func output(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        let entry = try api.job(context.parameters.get("id") ?? "", for: api.caller(request))
        let name = try PathParameter.decode(context.parameters.get("name") ?? "", what: "output name")
        return try OutputDownload(api: api).response(entry, name: name, request: request)
    }
}

/// A page's position: the last job's creation time and id, opaque to callers.
enum Cursor {
    static func encode(created: Date, id: String) -> String {
        let text = "\(nanoseconds(created))|\(id)"
        return Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    static func nanoseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1e9).rounded())
    }

    static func decode(_ cursor: String) -> (nanoseconds: Int64, id: String)? {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
            let bar = text.firstIndex(of: "|"), let nanos = Int64(text[..<bar])
        else { return nil }
        return (nanos, String(text[text.index(after: bar)...]))
    }
}

/// A request body, collected up to a limit: past it, 413 with our error.
/// (How fast it must come is the connection's business: RequestGuard.)
enum BodyReader {
    static func collect(_ request: Request, limit: Int) async throws -> Data {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw APIError(.contentTooLarge, "too_large", "the request body is \(length) bytes, over the limit of \(limit) (http.max_body_bytes)")
        }
        var data = Data()
        for try await buffer in request.body {
            guard data.count + buffer.readableBytes <= limit else {
                throw APIError(.contentTooLarge, "too_large", "the request body is over the limit of \(limit) bytes (http.max_body_bytes)")
            }
            data.append(contentsOf: buffer.readableBytesView)
        }
        return data
    }
}
