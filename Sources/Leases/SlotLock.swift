import Foundation
import Glibc

/// One slot file held with `flock(LOCK_EX)` on a descriptor this process
/// keeps open (close-on-exec, so engines never inherit it). The kernel drops
/// the lock when the descriptor closes, however the process ends, so a held
/// lock means "in use" whatever the file says.
public struct SlotLock: Sendable, Equatable {
    public let path: String
    let descriptor: Int32

    /// Takes the slot if nobody holds it; nil if it is held (by anyone,
    /// this process included) or cannot be opened.
    public static func tryAcquire(_ path: String) -> SlotLock? {
        var tries = 0
        while true {
            let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
            guard descriptor >= 0 else { return nil }
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
                close(descriptor)
                // `isHeld` probes (of `audiospool gpu`, of other supervisors)
                // hold a shared lock for microseconds: look again before
                // calling the slot taken.
                tries += 1
                guard tries < 3 else { return nil }
                usleep(1000)
                continue
            }
            // A holder that released unlinks the file while still holding it;
            // if that happened between our open and flock, ours is a dead inode.
            var held = stat()
            var named = stat()
            if fstat(descriptor, &held) == 0, stat(path, &named) == 0, held.st_ino == named.st_ino, held.st_dev == named.st_dev {
                return SlotLock(path: path, descriptor: descriptor)
            }
            close(descriptor)
        }
    }

    /// Replaces the contents through the held descriptor. Written before
    /// truncating, so a reader sees old or new bytes, never an empty file.
    public func write(_ data: Data) {
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = pwrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset, off_t(offset))
                if written <= 0 { return }
                offset += written
            }
        }
        ftruncate(descriptor, off_t(data.count))
    }

    /// Gives the slot back: the file goes (while still locked, so a waiting
    /// opener sees it was replaced), then the lock.
    public func release() {
        unlink(path)
        close(descriptor)
    }

    /// Whether someone holds the file's lock (one look at /proc/locks; a
    /// pass over several files takes one `HeldLocks` snapshot instead).
    public static func isHeld(_ path: String) -> Bool {
        HeldLocks().isHeld(path)
    }

    static func probe(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }
}
