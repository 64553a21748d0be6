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
        // Live by the observer's clock (Heartbeats): another host's clock is never compared with ours.
        let supervisors: [JSONValue] = api.heartbeats.observe().sorted { $0.state.host < $1.state.host }.map { observed in
            var fields = JobView.value(observed.state).objectValue ?? [:]
            fields["live"] = .bool(observed.live)
            if let age = observed.ageSeconds { fields["heartbeat_age_s"] = .number(age) }
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
