import Basics
import Foundation
import Glibc

/// Fencing (SPOOL.md, "Fencing"): a supervisor that stalled past the orphan
/// TTL (SIGSTOP, a long pause, a partition) while its job was recovered and
/// claimed again elsewhere must not publish a second result, nor move or
/// overwrite its successor's files. Each claim has a token, in owner.json.
/// Before each write into `cur/<id>/` its owner reads the token again; to
/// finish (done/, failed/, or back to new/) it first renames the folder to
/// a name only that token's holder uses, `cur/.commit-<token>-<id>`, and
/// checks the token there. Nobody else moves a folder of that name unless
/// its owner is silent for a whole TTL, so the last step (the rename out of
/// `cur/`) cannot take another claim's folder: it either moves this claim's
/// folder or fails. Only names are relied on, and rename's atomicity, which
/// NFS, CephFS and JuiceFS all give across clients.
extension Spool {
    /// The private name of a claim while its owner (or a recovering
    /// supervisor, `prefix` "recover") finishes it.
    public func privateName(_ id: String, token: String, prefix: String = "commit") -> String {
        cur + "/." + prefix + "-" + token + "-" + id
    }

    /// The job id a private name in `cur/` stands for, or nil if `name` is
    /// not one.
    public static func idOfPrivateName(_ name: String) -> String? {
        for prefix in [".commit-", ".recover-"] where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            guard let dash = rest.firstIndex(of: "-"), rest.distance(from: rest.startIndex, to: dash) == 32 else { return nil }
            let id = String(rest[rest.index(after: dash)...])
            return isJobID(id) ? id : nil
        }
        return nil
    }

    /// The jobs in `cur/`, each with the folder it is in: `cur/<id>`, or a
    /// private name while it is being finished (or recovered), so that an
    /// observer never sees a finishing job in no folder at all.
    public func runningFolders() -> [(id: String, path: String)] {
        ((try? FileSystem.list(cur)) ?? []).compactMap { name in
            if !name.hasPrefix(".") { return (name, cur + "/" + name) }
            return Self.idOfPrivateName(name).map { ($0, cur + "/" + name) }
        }
    }

    /// Where the running job `id` is now, if it is in `cur/`.
    public func runningFolder(of id: String) -> String? {
        let plain = path(of: .cur, id)
        if FileSystem.exists(plain) { return plain }
        return runningFolders().first { $0.id == id }?.path
    }

    /// The fencing token in the owner.json of the folder at `path`.
    public func ownerToken(at path: String) -> String? {
        // Read before every write into the folder: parsed for its one field,
        // without Foundation's decoder (a tenth of the CPU of a cached job).
        guard let data = try? ConfinedDirectory(path: path).read("owner.json", limit: 1 << 16),
              case .object(let fields)? = JSONValue.parse(data)
        else { return nil }
        return fields["token"]?.stringValue
    }

    /// Whether `cur/<id>` is still the claim of `token`.
    public func holds(_ id: String, token: String) -> Bool {
        Self.isJobID(id) && ownerToken(at: path(of: .cur, id)) == token
    }

    /// Takes `cur/<id>` to its owner's private name, if it is still the
    /// claim of `token`, and returns the folder there; nil if the job is no
    /// longer this owner's (recovered, and maybe claimed again).
    public func takeForFinishing(_ id: String, token: String) -> JobFolder? {
        let source = path(of: .cur, id)
        let target = privateName(id, token: token)
        if ownerToken(at: target) == token { return JobFolder(path: target) }  // taken before (a retried finish)
        // A few tries: another owner's take of a folder that turned out not
        // to be its own is undone within microseconds (below).
        for _ in 0..<5 {
            guard ownerToken(at: source) == token else {
                if FileSystem.exists(source) { return nil }  // another claim's now
                usleep(20_000)
                continue
            }
            do {
                try FileSystem.rename(source, target)
            } catch {
                usleep(20_000)
                continue
            }
            if ownerToken(at: target) == token { return JobFolder(path: target) }
            // It changed hands between the look and the rename: give it back.
            try? FileSystem.rename(target, source)
            return nil
        }
        return nil
    }
}
