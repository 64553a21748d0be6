import Basics
import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle
import Spool

/// `GET /v1/events`: every job the caller may see, as it changes, on one
/// stream (the dashboard's queue), woken by the spool's files like the
/// per-job stream: never a timer per client or per job.
struct EventRoutes: Sendable {
    let api: API

    /// What the stream last sent of a job.
    private struct Sent {
        var document: Int
        var finished: Bool
    }

    /// A job moving between folders can be missed by one look (cur/ was
    /// read before it left, done/ before it came): gone only if three looks say so.
    static func find(_ id: String, _ api: API) -> JobCatalog.Entry? {
        for _ in 0..<3 {
            if let entry = api.catalog.find(id) { return entry }
        }
        return nil
    }

    func events(_ request: Request) throws -> Response {
        let caller = try api.caller(request)
        let api = api
        let body = ResponseBody { writer in
            let feed = api.notifier.changesOfAll()
            defer { api.notifier.unfollow(feed) }
            // Jobs running now are followed for their progress; later ones as they arrive in cur/.
            for running in api.spool.runningFolders() { api.notifier.follow(running.id) }
            // The queue as it was when the client subscribed: what waits
            // there is in the client's own listing; a look at everything
            // looks only at what came or went since.
            var lastPending = api.queue.pendingIDs()
            // Subscribed before `ready`: a client that lists the jobs after it misses no change.
            try await writer.write(ByteBuffer(string: JobRoutes.event("ready", .object([:]))))
            var sent: [String: Sent] = [:]
            var owners: [String: Bool] = [:]
            // Not found by one wake's looks: gone only if the next wake cannot find them either.
            var missing: Set<String> = []
            // Whose job.json could not be read yet (a job being claimed): asked again at the next wake.
            var unsure: Set<String> = []
            var quietSince = ContinuousClock.now
            // A stream never ends by itself: on SIGTERM it ends, so the server can stop.
            while let changes = await withGracefulShutdownHandler(operation: { await feed.next() }, onGracefulShutdown: { feed.finish() }) {
                var ids = changes.jobs.union(missing).union(unsure)
                unsure = []
                if changes.anything {
                    // Anything may have changed: what runs now or was last seen
                    // running, and of the queue only what came or went since the
                    // last look (a queued job does not change while it waits), so
                    // a wake costs what moved, not what waits.
                    let pending = api.queue.pendingIDs()
                    ids.formUnion(pending.symmetricDifference(lastPending))
                    ids.formUnion(sent.filter { !$0.value.finished && !pending.contains($0.key) }.keys)
                    ids.formUnion(api.spool.runningFolders().map(\.id))
                    lastPending = pending
                }
                var events = ""
                for id in ids.sorted() where Spool.isJobID(id) {
                    guard let entry = Self.find(id, api) else {
                        // Looked at again at the next wake (the safety net's, at the latest).
                        if missing.insert(id).inserted { continue }
                        missing.remove(id)
                        if sent.removeValue(forKey: id) != nil {
                            events += JobRoutes.event("removed", .object(["id": .string(id)]))
                        }
                        continue
                    }
                    missing.remove(id)
                    if let caller, !caller.isAdmin, owners[id] == nil {
                        guard let job = api.catalog.jobDocument(entry) else {
                            unsure.insert(id)
                            continue
                        }
                        owners[id] = caller.mayAccess(owner: job["metadata"]?.objectValue?["submitted_by"]?.stringValue)
                    }
                    guard caller == nil || caller?.isAdmin == true || owners[id] == true else { continue }
                    let view = JobView(api: api).render(entry, detail: false)
                    let json = JobRoutes.json(view)
                    let state = view.objectValue?["state"]?.stringValue ?? ""
                    if sent[id]?.document == json.hashValue { continue }
                    sent[id] = Sent(document: json.hashValue, finished: ["done", "failed", "cancelled"].contains(state))
                    events += "event: job\ndata: \(json)\n\n"
                }
                if !events.isEmpty {
                    try await writer.write(ByteBuffer(string: events))
                    quietSince = .now
                } else if ContinuousClock.now - quietSince > .seconds(15) {
                    try await writer.write(ByteBuffer(string: ": still here\n\n"))
                    quietSince = .now
                }
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
    }
}
