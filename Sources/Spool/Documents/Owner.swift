import Basics
import Foundation
import Glibc

/// `cur/<id>/owner.json`: which supervisor process holds a claimed job, so a
/// later supervisor can tell a running job from an orphan.
public struct Owner: Codable, Sendable, Equatable {
    public var host: String
    /// The kernel's boot id: a pid means nothing across a reboot.
    public var bootID: String
    public var pid: Int32
    /// When the process started, in clock ticks since boot (`/proc/PID/stat`):
    /// with the pid, it names one process even where pids are reused, as in
    /// a container where every supervisor is pid 1.
    public var processStart: UInt64
    public var claimedAt: String
    /// This claim's fencing token: random, made at the claim, never reused.
    /// The owner writes into the job folder, and moves it out of `cur/`,
    /// only while owner.json still holds it (SPOOL.md, "Fencing"). Absent
    /// in the owner.json of earlier versions.
    public var token: String?

    public init(host: String, bootID: String, pid: Int32, processStart: UInt64, claimedAt: String, token: String? = nil) {
        self.host = host
        self.bootID = bootID
        self.pid = pid
        self.processStart = processStart
        self.claimedAt = claimedAt
        self.token = token
    }

    enum CodingKeys: String, CodingKey {
        case host, pid, token
        case bootID = "boot_id"
        case processStart = "process_start"
        case claimedAt = "claimed_at"
    }

    /// This process, for a claim fenced by `token`.
    public static func current(claimedAt: String = Timestamp.now(), token: String? = nil) -> Owner {
        Owner(
            host: HostIdentity.name, bootID: HostIdentity.bootID, pid: getpid(), processStart: HostIdentity.processStart,
            claimedAt: claimedAt, token: token)
    }

    /// A new fencing token: 128 random bits, in hex.
    public static func newToken() -> String {
        // Two draws of the system's generator (one getrandom(2) each), not sixteen.
        var generator = SystemRandomNumberGenerator()
        let (high, low) = (generator.next() as UInt64, generator.next() as UInt64)
        return (0..<16).map { UInt8(truncatingIfNeeded: ($0 < 8 ? high : low) >> (8 * ($0 % 8))) }.hexString
    }

    /// Whether this process wrote it (whatever the claim).
    public var isThisProcess: Bool {
        host == HostIdentity.name && bootID == HostIdentity.bootID && pid == getpid() && processStart == HostIdentity.processStart
    }

    /// Whether this owner is certainly gone: same host and boot, and no such
    /// process. An owner on another host is never presumed dead here.
    public var isDeadOnThisHost: Bool {
        guard host == HostIdentity.name, bootID == HostIdentity.bootID else { return false }
        guard let start = HostIdentity.processStart(of: pid) else { return true }
        return start != processStart
    }
}
