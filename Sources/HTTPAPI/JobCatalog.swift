import Basics
import Foundation
import Spool

/// The jobs of the spool as the API shows them, read from the folders each
/// time: the spool is the only record, so several servers and a restart
/// all see the same thing.
struct JobCatalog: Sendable {
    let spool: Spool
    let config: SpoolConfig
    /// serve's index of new/: a queued job found without listing it.
    var queue: QueueIndex?
    /// serve's parsed job files of new/, read once while they stay as they are.
    var pendingDocuments: PendingDocuments?

    /// The API's states: the folder, and `cancelled` for a job failed by a cancel.
    enum State: String, CaseIterable, Sendable {
        case queued, running, done, failed, cancelled
    }

    /// One job found in a folder.
    struct Entry: Sendable {
        var id: String
        var folder: Spool.Folder
        /// The name in its folder (`new/ID.json`, `cur/ID`, …).
        var name: String
        /// When job.json was written: the order listings use (newest first),
        /// kept as a job moves between folders.
        var created: Date
        /// The entry as it was found: which file, and its change time.
        var identity: PendingDocuments.Identity?
    }

    /// The job's folder (or file, in new/), never reached through a symlink.
    /// With a watched queue index, new/ is not listed: a job there is
    /// found by the index's name for it, or by the names `submit` and
    /// `serve` deliver (`ID.json`, `ID`), so a lookup costs the same
    /// however deep the queue is.
    func find(_ id: String) -> Entry? {
        guard Spool.isJobID(id) else { return nil }
        if let name = queue?.name(of: id), let pending = entry(id: id, folder: .new, name: name) { return pending }
        let listing = queue?.isWatching != true
        guard let folder = spool.locate(id, listingNew: listing) else { return nil }
        if folder == .new {
            let names = listing ? ((try? FileSystem.list(spool.new)) ?? []).filter { $0 == id || Submission.stem(of: $0) == id } : [id + ".json", id]
            for name in names.sorted() {
                if let pending = entry(id: id, folder: .new, name: name) {
                    queue?.noticed(entry: name)
                    return pending
                }
            }
            return nil
        }
        if folder == .cur, let running = spool.runningFolder(of: id) {
            // Maybe under its owner's private name while it is being finished (SPOOL.md, "Fencing").
            return entry(id: id, folder: .cur, name: (running as NSString).lastPathComponent)
        }
        return entry(id: id, folder: folder, name: id)
    }

    private func entry(id: String, folder: Spool.Folder, name: String) -> Entry? {
        let path = spool.path(of: folder, name)
        guard let info = FileSystem.info(path) else { return nil }
        let created: Date
        if info.type == .directory {
            created = (try? ConfinedDirectory(path: path))?.info("job.json")?.modified ?? info.changed
        } else {
            created = info.modified
        }
        return Entry(id: id, folder: folder, name: name, created: created, identity: .init(inode: info.inode, changed: info.changed, size: info.size))
    }

    /// Every job, newest first (then by id, so the order is total and a cursor stays put).
    func all(in folders: [Spool.Folder] = Spool.Folder.allCases) -> [Entry] {
        // Listed in the order jobs move (new, cur, done, failed), so a job
        // that moves while we list is seen at least once; seen twice, it
        // counts where it was seen last.
        var entries: [String: Entry] = [:]
        for folder in [Spool.Folder.new, .cur, .done, .failed] where folders.contains(folder) {
            let names: [(id: String, name: String)]
            switch folder {
            case .cur:
                // With the jobs being finished under their owner's private name (SPOOL.md, "Fencing").
                names = spool.runningFolders().map { ($0.id, ($0.path as NSString).lastPathComponent) }
            default:
                names = ((try? FileSystem.list(spool.path(of: folder))) ?? []).filter { !$0.hasPrefix(".") }.map {
                    (folder == .new ? Submission.stem(of: $0) : $0, $0)
                }
            }
            for (id, name) in names {
                if let entry = entry(id: id, folder: folder, name: name) { entries[id] = entry }
            }
        }
        return entries.values.sorted { ($0.created, $0.id) > ($1.created, $1.id) }
    }

    /// job.json, read without following a symlink; nil for a dropped `.txt`
    /// or audio file not yet claimed, or a broken file.
    func jobDocument(_ entry: Entry) -> [String: JSONValue]? {
        let path = spool.path(of: entry.folder, entry.name)
        let data: Data?
        if entry.folder == .new && !entry.name.hasSuffix(".json") && FileSystem.info(path)?.type != .directory {
            return nil
        } else if entry.folder == .new && entry.name.hasSuffix(".json") {
            if let identity = entry.identity, let kept = pendingDocuments?.document(entry.name, identity) { return kept }
            data = try? ConfinedDirectory(path: spool.new).read(entry.name, limit: config.limits.maxJobBytes)
            let document = data.flatMap { JSONValue.parse($0) }?.objectValue
            if let identity = entry.identity, let document { pendingDocuments?.keep(entry.name, identity, document) }
            return document
        } else {
            data = try? ConfinedDirectory(path: path).read("job.json", limit: config.limits.maxJobBytes)
        }
        return data.flatMap { JSONValue.parse($0) }?.objectValue
    }

    /// Who submitted it: `metadata.submitted_by`, written by `serve`.
    func owner(_ entry: Entry) -> String? {
        jobDocument(entry)?["metadata"]?.objectValue?["submitted_by"]?.stringValue
    }

    func folder(_ entry: Entry) -> JobFolder {
        JobFolder(path: spool.path(of: entry.folder, entry.name))
    }

    func state(_ entry: Entry) -> (State, JobStatus?, JobResult?, JobFailure?) {
        let folder = folder(entry)
        switch entry.folder {
        case .new:
            return (.queued, nil, nil, nil)
        case .cur:
            return (.running, folder.read(JobStatus.self, from: folder.statusFile), nil, nil)
        case .done:
            return (.done, nil, folder.read(JobResult.self, from: folder.resultFile), nil)
        case .failed:
            let failure = folder.read(JobFailure.self, from: folder.errorFile)
            return (failure?.error.kind == .cancelled ? .cancelled : .failed, nil, nil, failure)
        }
    }
}
