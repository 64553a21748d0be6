import Foundation
import Glibc
import SystemPackage

/// What a network file system (NFS above all) adds to the calls the spool
/// makes (SPOOL.md, "Network file systems"):
/// - `ESTALE`: the handle of an entry another client removed or replaced.
///   The call is made once more (the client then looks the name up again);
///   if it is still stale, the entry is gone.
/// - A request retransmitted after its reply was lost: the server may do a
///   `rename` and then answer the retransmission with `ENOENT`, as the
///   source is gone. Before deciding it failed, look at the target.
extension FileSystem {
    /// Calls `call` (a system call returning 0 or -1) once more if it
    /// failed with ESTALE; a second ESTALE reads as ENOENT: gone.
    package static func retryingStale(_ call: () -> Int32) -> Int32 {
        let result = call()
        guard result != 0, Glibc.errno == ESTALE else { return result }
        let again = call()
        if again != 0 && Glibc.errno == ESTALE { Glibc.errno = ENOENT }
        return again
    }

    /// Whether a rename that reported `failure` was in fact done: the
    /// source is gone and the target is the very inode the source was.
    package static func renameHappened(_ failure: FileSystemError, before: EntryInfo?, from: String, to: String) -> Bool {
        guard failure.errno == .noSuchFileOrDirectory || failure.errno == .fileExists, let before,
              let after = info(to), after.inode == before.inode, after.type == before.type
        else { return false }
        return !exists(from)
    }
}
