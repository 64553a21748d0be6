import Basics
import Foundation
import Logging
import Spool

/// Returns jobs whose supervisor is gone to `new/`. A job in `cur/` is an
/// orphan when
/// - its owner.json names a process on this host that no longer exists, or
/// - its heartbeat (owner.json's modification time) is older than the TTL,
///   whatever host owns it, or
/// - it has had no owner.json for `unownedGrace` (its claimer died
///   between the claim and writing it).
/// Its attempt stays counted in attempts.json, so a job that kills its
/// supervisor cannot loop forever. A job of this very process is never an
/// orphan: a slow tick is not a death.
struct OrphanRecovery {
    let spool: Spool
    let ttl: TimeInterval
    let logger: Logger

    /// How long a claimed folder may lack owner.json. A live claimer writes
    /// it milliseconds after its rename, so this need not wait a whole TTL.
    var unownedGrace: TimeInterval { min(ttl, 10) }
    /// How often to look: the TTL bounds a job's time in limbo, this bounds
    /// how long a restarted supervisor leaves its predecessor's jobs waiting.
    var period: TimeInterval { min(ttl / 2, 5) }

    /// Returns the names the recovered jobs have in `new/`.
    @discardableResult
    func recover(now: Date = Date()) -> [String] {
        var recovered: [String] = []
        for id in (try? FileSystem.list(spool.cur)) ?? [] where !id.hasPrefix(".") {
            let folder = JobFolder(path: spool.path(of: .cur, id))
            guard let why = orphaned(folder, now: now) else { continue }
            if (try? FileSystem.list(folder.path))?.isEmpty == true {
                rmdir(folder.path)  // a reservation whose claim never happened
                continue
            }
            // Our own count, never the folder's attempts.json. A claim whose
            // supervisor died before recording it still was an attempt.
            var carried = spool.carried(folder) ?? CarriedRecord(id: id, attempts: [lostAttempt(folder, now: now)])
            var attempts = carried.attempts
            if var last = attempts.last, last.endedAt == nil {
                last.endedAt = Timestamp.string(now)
                last.error = .init(kind: .engineCrashed, message: "its supervisor was lost: \(why)")
                attempts[attempts.count - 1] = last
            }
            do {
                carried.attempts = attempts
                try spool.save(carried, for: folder)
                try folder.remove(folder.ownerFile)
                try folder.remove(folder.statusFile)
                let entry = try spool.requeue(id)
                logger.warning("recovered orphan", metadata: ["job": "\(entry)", "why": "\(why)"])
                spool.record(.recovered, job: id) { event in
                    event.attempt = attempts.count
                    event.message = why
                    if entry != id { event.entry = entry }
                }
                recovered.append(entry)
            } catch {
                logger.error("cannot recover orphan", metadata: ["job": "\(id)", "error": "\(error)"])
            }
        }
        return recovered
    }

    /// The attempt of a claim that left no record, as owner.json tells it.
    private func lostAttempt(_ folder: JobFolder, now: Date) -> AttemptRecord {
        let owner = folder.read(Owner.self, from: folder.ownerFile)
        return AttemptRecord(number: 1, host: owner?.host ?? "unknown", pid: owner?.pid ?? 0, startedAt: owner?.claimedAt ?? Timestamp.string(now))
    }

    /// Why the job in `folder` is an orphan, or nil if it is not.
    private func orphaned(_ folder: JobFolder, now: Date) -> String? {
        if let owner = folder.read(Owner.self, from: folder.ownerFile) {
            if owner == Owner.current(claimedAt: owner.claimedAt) { return nil }
            if owner.isDeadOnThisHost { return "pid \(owner.pid) on \(owner.host) is gone" }
            guard let beat = (try? folder.directory())?.info("owner.json")?.modified, now.timeIntervalSince(beat) > ttl else { return nil }
            return "no heartbeat from pid \(owner.pid) on \(owner.host) for \(Int(now.timeIntervalSince(beat)))s"
        }
        // No owner.json: the claim is microseconds old, or its claimer died.
        guard let info = FileSystem.info(folder.path), info.type == .directory,
              now.timeIntervalSince(info.changed) > unownedGrace
        else { return nil }
        return "claimed but never owned"
    }
}
