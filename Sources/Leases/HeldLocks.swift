import Foundation
import Glibc

/// The flock()s held on this host, read from /proc/locks once, so a pass
/// over many slot files parses it once rather than once per file. Reading
/// it disturbs nobody; where it cannot say for sure (no /proc, or a file
/// system that reports another device, such as overlayfs), a file is
/// probed with a non-blocking shared lock, which fails while an exclusive
/// one is held.
public struct HeldLocks: Sendable {
    /// (device as /proc/locks writes it, inode) of every held flock.
    private let held: Set<Key>
    /// Inodes held on some device, for the overlayfs case.
    private let inodes: Set<UInt64>
    private let readable: Bool

    private struct Key: Hashable {
        var device: String
        var inode: UInt64
    }

    /// A snapshot of /proc/locks now.
    public init() {
        guard let locks = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else {
            held = []
            inodes = []
            readable = false
            return
        }
        var held = Set<Key>()
        var inodes = Set<UInt64>()
        for line in locks.split(separator: "\n") {
            // "1: FLOCK  ADVISORY  WRITE 1234 fe:00:16222522 0 EOF"; "1: -> FLOCK …" is a waiter.
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1] == "FLOCK" else { continue }
            let id = fields[5].split(separator: ":")
            guard id.count == 3, let inode = UInt64(id[2]) else { continue }
            held.insert(Key(device: "\(id[0]):\(id[1])", inode: inode))
            inodes.insert(inode)
        }
        self.held = held
        self.inodes = inodes
        readable = true
    }

    /// Whether someone holds the file's lock.
    public func isHeld(_ path: String) -> Bool {
        var status = Glibc.stat()
        guard lstat(path, &status) == 0 else { return false }
        guard readable else { return SlotLock.probe(path) }
        let inode = UInt64(status.st_ino)
        if held.contains(Key(device: Self.deviceName(UInt64(status.st_dev)), inode: inode)) { return true }
        return inodes.contains(inode) ? SlotLock.probe(path) : false
    }

    /// `major:minor` in hex, as /proc/locks writes it (glibc's dev_t layout).
    static func deviceName(_ device: UInt64) -> String {
        let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~UInt64(0xfff))
        let minor = (device & 0xff) | ((device >> 12) & ~UInt64(0xff))
        return String(format: "%02x:%02x", major, minor)
    }
}
