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
        Owner(host: hostName, bootID: bootID, pid: getpid(), processStart: ownStart, claimedAt: claimedAt)
    }

    private static let ownStart: UInt64 = processStart(of: getpid()) ?? 0

    /// Field 22 of `/proc/PID/stat`, read after the last ")" because the
    /// command name in field 2 may itself contain spaces and parentheses.
    public static func processStart(of pid: Int32) -> UInt64? {
        guard let data = try? FileSystem.read("/proc/\(pid)/stat", limit: 4096),
              let text = String(data: data, encoding: .utf8),
              let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field 22 is fields[19].
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }

    public static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    public static let bootID: String = {
        let data = try? FileSystem.read("/proc/sys/kernel/random/boot_id", limit: 128)
        return data.flatMap { String(data: $0, encoding: .utf8) }?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }()

    /// Whether this owner is certainly gone: same host and boot, and no such
    /// process. An owner on another host is never presumed dead here.
    public var isDeadOnThisHost: Bool {
        guard host == Self.hostName, bootID == Self.bootID else { return false }
        guard let start = Self.processStart(of: pid) else { return true }
        return start != processStart
    }
}
