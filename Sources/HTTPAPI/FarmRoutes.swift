import Basics
import Foundation
import Hummingbird
import Leases
import Spool

/// `GET /v1/farm`: the supervisors with their engines, instances and
/// heartbeats, and every host's GPU slots with their holders: what
/// `audiospool status` and `audiospool gpu` show, from the same files.
struct FarmRoutes: Sendable {
    let api: API

    func farm(_ request: Request) throws -> Response {
        let caller = try api.caller(request)
        let spool = api.spool
        let now = Date()
        let supervisors: [JSONValue] = api.heartbeats.supervisors().sorted { $0.host < $1.host }.map { state in
            var fields = JobView.value(state).objectValue ?? [:]
            fields["live"] = .bool(state.isLive(now: now))
            if let updated = Timestamp.parse(state.updatedAt) {
                fields["heartbeat_age_s"] = .number((now.timeIntervalSince(updated) * 1000).rounded() / 1000)
            }
            return .object(fields)
        }
        let hosts = ((try? FileSystem.list(spool.state.leases)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        var gpus: [String: JSONValue] = [:]
        for host in hosts {
            var table = LeaseTable.snapshot(directory: spool.state.leases(host: host))
            // Another tenant's job id is not shown: the slot reads as held by its engine.
            for index in table.slots.indices {
                guard let job = table.slots[index].holder?.job else { continue }
                if !(api.catalog.find(job).map { api.mayAccess($0, caller) } ?? (caller == nil || caller?.isAdmin == true)) {
                    table.slots[index].holder?.job = nil
                }
            }
            gpus[host] = JobView.value(table)
        }
        return JSONResponse.make(JSONValue.object(["supervisors": .array(supervisors), "gpus": .object(gpus)]))
    }
}
