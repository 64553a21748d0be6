import Basics
import Foundation
import Logging
import Spool

/// Returns jobs whose supervisor is gone to `new/`. A job in `cur/` is an
/// orphan when
/// - its owner.json names a process on this host that no longer exists, or
/// - its heartbeat (owner.json's times) has not changed for the TTL, as
///   this supervisor's own monotonic clock measures it, whatever host owns
///   it: hosts' clocks need not agree, so a heartbeat's time is never
///   compared with ours, only with what we saw of it before; or
/// - it has had no owner.json for `unownedGrace`, measured the same way
///   (its claimer died between the claim and writing it).
/// A claim's private folder (`cur/.commit-<token>-<id>`, Spool+Fencing)
/// whose owner went silent in the middle of finishing is one too.
/// Its attempt stays counted in attempts.json, so a job that kills its
/// supervisor cannot loop forever. A job of this very process is never an
/// orphan: a slow tick is not a death. Used from the supervisor's loop only.
final class OrphanRecovery {
    let spool: Spool
    let ttl: TimeInterval
    let logger: Logger

    /// What was last seen of each entry of `cur/`, and since when (our clock).
    private struct Sighting {
        var signature: Signature
        var since: ContinuousClock.Instant
    }

    /// What changes when an owner is alive: its heartbeat touches
    /// owner.json; a new claim writes a new token.
    private struct Signature: Equatable {
        var token: String?
        var owner: String?
        var modified: Date?
        var changed: Date?
        var folderInode: UInt64
        var folderChanged: Date

        /// The same claim, unbeaten: all but the folder's own change time,
        /// which the rename to a private name sets.
        func sameClaim(as other: Signature) -> Bool {
            token == other.token && owner == other.owner && modified == other.modified && changed == other.changed
                && folderInode == other.folderInode
        }
    }

    private var seen: [String: Sighting] = [:]

    init(spool: Spool, ttl: TimeInterval, logger: Logger) {
        self.spool = spool
        self.ttl = ttl
        self.logger = logger
    }

    /// How long a claimed folder may lack owner.json. A live claimer writes
    /// it milliseconds after its rename, so this need not wait a whole TTL.
    var unownedGrace: TimeInterval { min(ttl, 10) }
    /// How often to look: the TTL bounds a job's time in limbo, this bounds
    /// how long a restarted supervisor leaves its predecessor's jobs waiting.
    var period: TimeInterval { min(ttl / 2, 5) }

    /// Returns the names the recovered jobs have in `new/`.
    @discardableResult
    func recover(now: ContinuousClock.Instant = .now) -> [String] {
        var recovered: [String] = []
        let names = ((try? FileSystem.list(spool.cur)) ?? []).filter { !$0.hasPrefix(".") || Spool.idOfPrivateName($0) != nil }
        for name in seen.keys where !names.contains(name) { seen[name] = nil }
        for name in names {
            let id = Spool.idOfPrivateName(name) ?? name
            let folder = JobFolder(path: spool.cur + "/" + name)
            guard let (why, signature) = orphaned(folder, name: name, now: now) else { continue }
            seen[name] = nil
            if (try? FileSystem.list(folder.path))?.isEmpty == true {
                rmdir(folder.path)  // a reservation whose claim never happened
                continue
            }
            if let entry = requeue(folder, id: id, judged: signature, why: why) { recovered.append(entry) }
        }
        return recovered
    }

    /// Puts the orphan back in `new/`, fenced like an owner's finish: the
    /// folder goes to a private name first, and only if it is still as it
    /// was judged (no heartbeat, no new claim since) does it go on.
    private func requeue(_ found: JobFolder, id: String, judged: Signature, why: String) -> String? {
        let taken = spool.privateName(id, token: Owner.newToken(), prefix: "recover")
        do {
            try FileSystem.rename(found.path, taken)
        } catch {
            return nil  // its owner finished it meanwhile, or another supervisor recovers it
        }
        let folder = JobFolder(path: taken)
        guard let again = signature(of: folder), again.sameClaim(as: judged) else {
            // It beat, or was claimed again, between the look and the rename.
            try? FileSystem.rename(taken, found.path)
            return nil
        }
        // Our own count, never the folder's attempts.json. A claim whose
        // supervisor died before recording it still was an attempt.
        var carried = spool.carried(folder) ?? CarriedRecord(id: id, attempts: [lostAttempt(folder)])
        var attempts = carried.attempts
        if var last = attempts.last, last.endedAt == nil {
            last.endedAt = Timestamp.now()
            last.error = .init(kind: .engineCrashed, message: "its supervisor was lost: \(why)")
            attempts[attempts.count - 1] = last
        }
        do {
            carried.attempts = attempts
            try spool.save(carried, for: folder)
            try folder.remove(folder.ownerFile)
            try folder.remove(folder.statusFile)
            let entry = try spool.move(taken, into: .new, preferring: id)
            logger.warning("recovered orphan", metadata: ["job": "\(entry)", "why": "\(why)"])
            spool.record(.recovered, job: id) { event in
                event.attempt = attempts.count
                event.message = why
                if entry != id { event.entry = entry }
            }
            return entry
        } catch {
            logger.error("cannot recover orphan", metadata: ["job": "\(id)", "error": "\(error)"])
            return nil
        }
    }

    /// The attempt of a claim that left no record, as owner.json tells it.
    private func lostAttempt(_ folder: JobFolder) -> AttemptRecord {
        let owner = folder.read(Owner.self, from: folder.ownerFile)
        return AttemptRecord(number: 1, host: owner?.host ?? "unknown", pid: owner?.pid ?? 0, startedAt: owner?.claimedAt ?? Timestamp.now())
    }

    private func signature(of folder: JobFolder) -> Signature? {
        guard let info = FileSystem.info(folder.path), info.type == .directory else { return nil }
        let directory = try? folder.directory()
        let owner = folder.read(Owner.self, from: folder.ownerFile)
        let file = directory?.info("owner.json")
        return Signature(
            token: owner?.token, owner: owner.map { "pid \($0.pid) on \($0.host)" }, modified: file?.modified, changed: file?.changed,
            folderInode: info.inode, folderChanged: info.changed)
    }

    /// Why the job in `folder` is an orphan (and what it looked like), or nil if it is not.
    private func orphaned(_ folder: JobFolder, name: String, now: ContinuousClock.Instant) -> (String, Signature)? {
        guard let signature = signature(of: folder) else { return nil }
        if let owner = folder.read(Owner.self, from: folder.ownerFile) {
            if owner.isThisProcess { return nil }
            if owner.isDeadOnThisHost { return ("pid \(owner.pid) on \(owner.host) is gone", signature) }
        }
        guard let sighting = seen[name], sighting.signature == signature else {
            seen[name] = Sighting(signature: signature, since: now)
            return nil
        }
        let quiet = (now - sighting.since).seconds
        if let owner = signature.owner {
            guard quiet > ttl else { return nil }
            return ("no heartbeat from \(owner) for \(Int(quiet))s (as seen from \(HostIdentity.name))", signature)
        }
        // No owner.json: the claim is microseconds old, or its claimer died.
        guard quiet > unownedGrace else { return nil }
        return ("claimed but never owned", signature)
    }
}
