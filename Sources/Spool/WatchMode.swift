import Basics
import CSystemShims
import Foundation
import Glibc

/// config.json's `watch`: how a supervisor learns of new jobs, cancel
/// requests and engine changes. inotify reports only changes made through
/// this host's kernel, so on a file system shared by hosts a job dropped on
/// another host would wait for the safety-net rescan; there the supervisor
/// polls instead.
public enum WatchMode: String, Sendable, Equatable, Codable {
    case auto, inotify, poll

    /// What a supervisor does, and why: the mode `auto` resolved to.
    public struct Resolved: Sendable, Equatable, Codable {
        /// `inotify` or `poll`.
        public var mode: WatchMode
        /// Poll mode's interval; absent with inotify.
        public var intervalMilliseconds: Int?
        /// Why: "config.json", or the file system statfs named.
        public var reason: String

        public init(mode: WatchMode, intervalMilliseconds: Int? = nil, reason: String) {
            self.mode = mode
            self.intervalMilliseconds = intervalMilliseconds
            self.reason = reason
        }

        enum CodingKeys: String, CodingKey {
            case mode, reason
            case intervalMilliseconds = "interval_ms"
        }

        public var pollInterval: Duration? { intervalMilliseconds.map { .milliseconds($0) } }
    }

    /// `auto` polls on these: network and cluster file systems, and FUSE
    /// (JuiceFS, sshfs, s3fs), whose other clients' changes inotify never sees.
    public static let networkFileSystems: [(magic: Int64, name: String)] = [
        (0x6969, "nfs"), (0xFF53_4D42, "cifs"), (0xFE53_4D42, "smb2"), (0x517B, "smb"),
        (0x6573_5546, "fuse"), (0x00C3_6400, "ceph"), (0x0BD0_0BD0, "lustre"), (0x4750_4653, "gpfs"),
    ]

    /// The file system `path` is on, if `auto` polls there.
    public static func networkFileSystem(at path: String) -> String? {
        var type: Int64 = 0
        guard audiospool_filesystem_type(path, &type) == 0 else { return nil }
        let magic = type & 0xFFFF_FFFF
        return networkFileSystems.first { $0.magic == magic }?.name
    }

    /// The mode for a spool at `path`.
    public func resolve(at path: String, intervalMilliseconds: Int) -> Resolved {
        switch self {
        case .inotify:
            return Resolved(mode: .inotify, reason: "config.json")
        case .poll:
            return Resolved(mode: .poll, intervalMilliseconds: intervalMilliseconds, reason: "config.json")
        case .auto:
            if let name = Self.networkFileSystem(at: path) {
                return Resolved(mode: .poll, intervalMilliseconds: intervalMilliseconds, reason: "the spool is on \(name)")
            }
            return Resolved(mode: .inotify, reason: "the spool is on a local file system")
        }
    }
}
