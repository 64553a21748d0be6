import Basics
import EngineHost
import Foundation
import Glibc
import Hummingbird
import Spool

/// Health, readiness, the contract, the queue and the engines.
struct InfoRoutes: Sendable {
    let api: API

    func health() -> Response {
        JSONResponse.make(JSONValue.object(["status": "ok"]))
    }

    /// Ready when the spool can be read and written and a supervisor's
    /// heartbeat is fresh: without one, jobs would wait for ever.
    func ready() -> Response {
        var problems: [JSONValue] = []
        let spool = api.spool
        for folder in [spool.new, spool.tmp, spool.cur, spool.done, spool.failed, spool.cancel]
        where access(folder, R_OK | W_OK | X_OK) != 0 {
            problems.append(.string("cannot read and write \(folder)"))
        }
        if problems.isEmpty {
            // access(2) answers for the real uid; a file made and removed proves it.
            let probe = spool.tmp + "/.readyz-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd < 0 { problems.append(.string("cannot create a file in \(spool.tmp)")) } else { close(fd); unlink(probe) }
        }
        if !api.heartbeats.anyFresh() {
            problems.append(.string("no supervisor heartbeat (state/hosts/<host>/supervisor.json) is fresh: none of this host written in the last 15 s, none of another host seen to change in the last 15 s by this server's clock; start `audiospool run`"))
        }
        if problems.isEmpty { return JSONResponse.make(JSONValue.object(["status": "ready"])) }
        return JSONResponse.make(
            JSONValue.object(["status": "not_ready", "problems": .array(problems)]), status: .serviceUnavailable)
    }

    func openAPI() -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.data)))
    }

    func queue(_ request: Request) throws -> Response {
        let caller = try api.caller(request)
        let spool = api.spool
        let catalog = api.catalog
        // The queued count is the index's (what positions count), not a listing of new/.
        let counts = spool.counts(of: [.cur, .done, .failed])
        let queued = api.queue.count()
        let oldest = api.queue.oldestArrival()
        let running = spool.runningStatuses().filter { status in
            guard let caller, !caller.isAdmin else { return true }
            return catalog.find(status.id).map { api.mayAccess($0, caller) } ?? false
        }
        var fields: [String: JSONValue] = [
            "counts": .object([
                "queued": .number(Double(queued)), "running": .number(Double(counts[.cur] ?? 0)),
                "done": .number(Double(counts[.done] ?? 0)), "failed": .number(Double(counts[.failed] ?? 0)),
            ]),
            "running": .array(running.map { JobView.value($0) }),
        ]
        fields["oldest_pending_age_s"] = oldest.map { .number((Date().timeIntervalSince($0) * 1000).rounded() / 1000) } ?? .null
        return JSONResponse.make(JSONValue.object(fields))
    }

    func engines(_ request: Request) throws -> Response {
        _ = try api.caller(request)
        // What a job's `output` may ask for (SPOOL.md), so a form can offer it.
        return JSONResponse.make(
            JSONValue.object([
                "engines": .array(EngineCatalog(api: api).all()),
                "formats": .array(OutputSpec.Format.allCases.map { .string($0.rawValue) }),
                "loudness_presets": .array(OutputSpec.LoudnessPreset.allCases.map { .string($0.rawValue) }),
                // The engines a dropped `.txt` or audio file goes to (config.json), so a page submits them alike.
                "tts_engine": .string(api.config.ttsEngine), "separation_engine": .string(api.config.separationEngine),
            ]))
    }
}

/// The engines folder, and what the supervisors say of each engine.
struct EngineCatalog {
    let api: API

    var registry: EngineRegistry { api.registry }

    /// The voices an engine's running instance reported (supervisor.json).
    func voices(of engine: String) -> [String] {
        let live = api.heartbeats.supervisors().flatMap { $0.engines.filter { $0.name == engine } }
        return Array(Set(live.flatMap { $0.voices ?? [] })).sorted()
    }

    func all() -> [JSONValue] {
        let registry = registry
        let live = api.heartbeats.supervisors().flatMap(\.engines)
        var engines: [JSONValue] = registry.names.compactMap { name in
            guard let manifest = registry[name] else { return nil }
            var tasks: [String: JSONValue] = [:]
            for (task, spec) in manifest.tasks {
                tasks[task] = .object([
                    "description": spec.description.map(JSONValue.string) ?? .null,
                    "text": .string(spec.text.rawValue),
                    "inputs": .object(spec.inputs.mapValues { .string($0.rawValue) }),
                    "segmented": .bool(spec.segmentation != nil),
                ])
            }
            let instances = live.filter { $0.name == name }
            let devices = Set(instances.flatMap { $0.instances.compactMap(\.device) } + instances.compactMap(\.device))
            return .object([
                "name": .string(name), "version": .string(manifest.version), "description": .string(manifest.description),
                "default_task": manifest.defaultTask.map(JSONValue.string) ?? .null, "tasks": .object(tasks),
                "device": .string(manifest.device.rawValue), "devices": .array(devices.sorted().map(JSONValue.string)),
                "state": instances.first.map { .string($0.state) } ?? .null,
                "voices": .array(voices(of: name).map(JSONValue.string)),
            ])
        }
        for (name, problem) in registry.problems.sorted(by: { $0.key < $1.key }) {
            engines.append(.object(["name": .string(name), "state": "broken", "problem": .string(problem)]))
        }
        return engines
    }
}
