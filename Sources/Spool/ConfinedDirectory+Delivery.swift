import Basics
import CSystemShims
import Foundation
import Glibc

/// What a maildir delivery does in its two folders, each call relative to
/// a descriptor held open (`DeliveryFolders`): no path is walked again.
extension ConfinedDirectory {
    /// Creates the entry `name` (one component), which must not exist,
    /// holding `data`; with `durable` its data is synced before it is
    /// closed. On failure nothing is left.
    public func createNew(_ name: String, holding data: Data, durable: Bool) throws(FileSystemError) {
        let leaf = try Self.leaf(name)
        let fd = openat(descriptor, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw FileSystemError("create", full(leaf)) }
        do throws(FileSystemError) {
            try FileSystem.fill(fd, with: data, durable: durable, path: full(leaf))
        } catch {
            unlinkat(descriptor, leaf, 0)
            throw error
        }
    }

    /// Moves the entry `name` here to `target`'s `targetName`, which must
    /// not exist (a delivery never replaces a job): `RENAME_NOREPLACE`, or
    /// where the file system cannot (NFS) a hard link and an unlink, as
    /// maildir does, for a regular file.
    public func move(_ name: String, to target: ConfinedDirectory, as targetName: String) throws(FileSystemError) {
        let leaf = try Self.leaf(name), targetLeaf = try Self.leaf(targetName)
        if audiospool_renameat_noreplace(descriptor, leaf, target.descriptor, targetLeaf) == 0 { return }
        guard Glibc.errno == EINVAL || Glibc.errno == ENOSYS, info(leaf)?.type == .regular else {
            throw FileSystemError("rename to '\(target.full(targetLeaf))'", full(leaf))
        }
        guard linkat(descriptor, leaf, target.descriptor, targetLeaf, 0) == 0 else {
            throw FileSystemError("link to '\(target.full(targetLeaf))'", full(leaf))
        }
        unlinkat(descriptor, leaf, 0)
    }

    private static func leaf(_ name: String) throws(FileSystemError) -> String {
        let components = try components(name)
        guard components.count == 1 else { throw FileSystemError("resolve (not one name)", name, .invalidArgument) }
        return name
    }
}
