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

    public init(host: String, bootID: String, pid: Int32, processStart: UInt64, claimedAt: String) {
        self.host = host
        self.bootID = bootID
        self.pid = pid
        self.processStart = processStart
        self.claimedAt = claimedAt
    }

    enum CodingKeys: String, CodingKey {
        case host, pid
        case bootID = "boot_id"
        case processStart = "process_start"
        case claimedAt = "claimed_at"
    }

    /// This process.
    public static func current(claimedAt: String = Timestamp.now()) -> Owner {
        Owner(host: HostIdentity.name, bootID: HostIdentity.bootID, pid: getpid(), processStart: HostIdentity.processStart, claimedAt: claimedAt)
    }

    /// Whether this owner is certainly gone: same host and boot, and no such
    /// process. An owner on another host is never presumed dead here.
    public var isDeadOnThisHost: Bool {
        guard host == HostIdentity.name, bootID == HostIdentity.bootID else { return false }
        guard let start = HostIdentity.processStart(of: pid) else { return true }
        return start != processStart
    }
}
