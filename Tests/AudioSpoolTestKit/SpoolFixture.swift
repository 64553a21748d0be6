import Foundation
import Glibc
import Spool
import Synchronization

/// A temporary spool for one test, with a config suited to tests (tone as
/// the default engines, a short settle time), and the CLI pointed at it.
public final class SpoolFixture: Sendable {
    public let directory: TemporaryDirectory
    public let spool: Spool
    public let engines: String
    /// The tmpfs the spool lives on, when the test asked for a small disk.
    public let disk: SmallDisk?

    /// `config` is merged over the test defaults and written as config.json.
    /// With `diskBytes` the spool lives on a tmpfs of that size.
    public init(engines: String = Repository.engines, config: [String: Any] = [:], diskBytes: Int? = nil) throws {
        let directory = TemporaryDirectory()
        self.directory = directory
        spool = Spool(root: directory.path + "/spool")
        self.engines = engines
        disk = try diskBytes.map { try SmallDisk(at: directory.path + "/spool", bytes: $0) }
        try spool.create()
        var settings: [String: Any] = [
            "tts_engine": "tone", "separation_engine": "tone", "settle_s": 0.2, "concurrency": 2,
            "rescan_interval_s": 1, "output": ["format": "wav"], "retry_backoff_s": 0.05,
        ]
        settings.merge(config) { $1 }
        let data = try JSONSerialization.data(withJSONObject: settings, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: spool.configFile))
    }

    /// Runs `audiospool ARGS --spool S [--engines E]` to completion.
    public func cli(_ arguments: String..., engines: Bool = true) async throws -> ChildProcess.Result {
        try await ChildProcess.run(Repository.executable, arguments + options(engines: engines))
    }

    /// Starts `audiospool run` in the background. It is killed when the
    /// fixture goes, if the test has not stopped it.
    public func startSupervisor(_ extra: String...) async throws -> ChildProcess {
        let child = try await ChildProcess.start(Repository.executable, ["run"] + extra + options(engines: true))
        supervisors.withLock { $0.append(child) }
        return child
    }

    private let supervisors = Mutex<[ChildProcess]>([])

    deinit {
        for child in supervisors.withLock({ $0 }) { child.signal(SIGKILL) }
        disk?.unmount()
    }

    /// Runs `audiospool run --until-idle` and returns when it exits.
    public func runUntilIdle(_ extra: String...) async throws -> ChildProcess.Result {
        try await ChildProcess.run(Repository.executable, ["run", "--until-idle"] + extra + options(engines: true))
    }

    private func options(engines: Bool) -> [String] {
        ["--spool", spool.root] + (engines ? ["--engines", self.engines] : [])
    }

    /// Drops a file into new/ the maildir way: written in tmp/, renamed in.
    @discardableResult
    public func drop(_ name: String, _ contents: String) throws -> String {
        try drop(name, Data(contents.utf8))
    }

    @discardableResult
    public func drop(_ name: String, _ contents: Data) throws -> String {
        let staging = spool.tmp + "/" + name
        try contents.write(to: URL(fileURLWithPath: staging))
        let target = spool.path(of: .new, name)
        guard Foundation.rename(staging, target) == 0 else { throw CocoaError(.fileWriteUnknown) }
        return target
    }

    /// Reads a JSON document of a job (`done/<id>/result.json`, …) as a dictionary.
    public func json(_ folder: Spool.Folder, _ id: String, _ file: String) -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: spool.path(of: folder, id) + "/" + file) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    public func entries(_ folder: Spool.Folder) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: spool.path(of: folder))) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }
}
