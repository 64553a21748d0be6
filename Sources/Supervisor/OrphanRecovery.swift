import Foundation
import Logging
import Spool

/// Returns jobs whose supervisor died to `new/`. A job in `cur/` is an
/// orphan when its owner.json names a process on this host that no longer
/// exists, or when it has had no owner.json for a minute (its claimer died
/// between the claim and writing it). Its attempt stays counted in
/// attempts.json, so a job that kills its supervisor cannot loop forever.
struct OrphanRecovery {
    let spool: Spool
    let logger: Logger
    /// A job folder without owner.json this old was claimed by a
    /// supervisor that died before writing one (that takes microseconds).
    var unownedAge: TimeInterval = 60

    @discardableResult
    func recover(now: Date = Date()) -> [String] {
        var recovered: [String] = []
        for id in (try? FileSystem.list(spool.cur)) ?? [] where !id.hasPrefix(".") {
            let folder = JobFolder(path: spool.path(of: .cur, id))
            let owner = folder.read(Owner.self, from: folder.ownerFile)
            if let owner {
                guard owner.isDeadOnThisHost else { continue }
            } else {
                guard let info = FileSystem.info(folder.path), info.type == .directory,
                      now.timeIntervalSince(info.changed) > unownedAge
                else { continue }
                if (try? FileSystem.list(folder.path))?.isEmpty == true {
                    rmdir(folder.path)  // a reservation whose claim never happened
                    continue
                }
            }
            let ownerPID = owner.map { "\($0.pid)" } ?? "unknown"
            var attempts = folder.attempts()
            if var last = attempts.last, last.endedAt == nil {
                last.endedAt = Timestamp.string(now)
                last.error = .init(kind: .engineCrashed, message: "the supervisor (pid \(ownerPID)) died while running it")
                attempts[attempts.count - 1] = last
            }
            do {
                try folder.writeAttempts(attempts)
                try FileSystem.removeTree(folder.ownerFile)
                try FileSystem.removeTree(folder.statusFile)
                let newID = try spool.requeue(id)
                logger.warning("recovered orphan", metadata: ["job": "\(newID)", "owner_pid": "\(ownerPID)"])
                recovered.append(newID)
            } catch {
                logger.error("cannot recover orphan", metadata: ["job": "\(id)", "error": "\(error)"])
            }
        }
        return recovered
    }
}
