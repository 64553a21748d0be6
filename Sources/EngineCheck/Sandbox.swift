import Foundation

/// A fresh folder for one check: the engine's HOME and TMPDIR, and a folder
/// per job holding its work folder. After the check, anything in it but the
/// work folders (and the host's log) was written where an engine must not.
struct Sandbox {
    let root: String
    var home: String { root + "/home" }
    var temporary: String { root + "/tmp" }
    var log: String { root + "/engine.log" }
    private var jobs: String { root + "/jobs" }

    static func make() throws -> Sandbox {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        let root = base + "/audiospool-check-" + UUID().uuidString.prefix(8).lowercased()
        let sandbox = Sandbox(root: root)
        for folder in [sandbox.home, sandbox.temporary, sandbox.jobs] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        return sandbox
    }

    /// A new, empty work folder for a job: `jobs/<name>/work`.
    func workFolder(_ name: String) throws -> String {
        let work = jobs + "/" + name + "/work"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        return work
    }

    /// Files written outside the work folders, relative to the sandbox.
    func strayFiles() -> [String] {
        var stray = FolderSnapshot.files(under: home).map { "$HOME/" + $0 }
        stray += FolderSnapshot.files(under: temporary).map { "$TMPDIR/" + $0 }
        for job in (try? FileManager.default.contentsOfDirectory(atPath: jobs)) ?? [] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: jobs + "/" + job)) ?? [] where name != "work" {
                stray.append("the parent of the work folder: \(name)")
            }
        }
        return stray
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// The files under a folder with their sizes and modification times, to
/// see what a process changed.
struct FolderSnapshot: Equatable {
    private var entries: [String: String] = [:]

    init(_ directory: String) {
        for path in Self.files(under: directory) {
            let attributes = try? FileManager.default.attributesOfItem(atPath: directory + "/" + path)
            let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            entries[path] = "\(size)@\(modified)"
        }
    }

    /// Paths added or changed since `before`.
    func changes(since before: FolderSnapshot) -> [String] {
        entries.keys.filter { before.entries[$0] != entries[$0] }.sorted()
    }

    /// Every file and folder under `directory`, relative to it (not following links).
    static func files(under directory: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var found: [String] = []
        while let path = enumerator.nextObject() as? String {
            found.append(path)
            if found.count > 10_000 { break }
        }
        return found.sorted()
    }
}
