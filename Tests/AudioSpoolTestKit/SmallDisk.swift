import Foundation
import Glibc

/// A tmpfs of a few megabytes mounted for one test, so a disk really fills
/// up. Mounting needs root (CI runs as root); `canMount` says whether this
/// machine allows it.
public final class SmallDisk: Sendable {
    public let path: String

    /// Mounts a tmpfs of `bytes` at `path` (created if missing).
    public init(at path: String, bytes: Int) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard mount("tmpfs", path, "tmpfs", 0, "size=\(bytes),mode=0755") == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPERM)
        }
    }

    /// Detached, not unmounted: a killed supervisor's files may still be open.
    public func unmount() {
        umount2(path, Int32(MNT_DETACH))
    }

    deinit { unmount() }

    public static let canMount: Bool = {
        let probe = TemporaryDirectory(prefix: "audiospool-mount-probe")
        guard let disk = try? SmallDisk(at: probe.path + "/disk", bytes: 1 << 20) else { return false }
        disk.unmount()
        return true
    }()
}
