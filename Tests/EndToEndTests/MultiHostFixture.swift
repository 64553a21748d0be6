import AudioSpoolTestKit
import Basics
import Foundation
import Glibc
import Spool
import Synchronization

/// One spool on a JuiceFS volume, seen through both of the pair's mounts:
/// host "a" works through mount A, host "b" through mount B, each with its
/// own `--host`, as two machines sharing a spool would.
final class MultiHostFixture: Sendable {
    let pair: JuiceFSPair
    let name: String
    private let supervisors = Mutex<[ChildProcess]>([])

    /// The volume shared by the tests of this process (each test has a
    /// spool of its own on it); a test that tears a mount away makes its own.
    static func sharedPair() async throws -> JuiceFSPair {
        try await shared.pair()
    }

    private static let shared = SharedPair()

    private actor SharedPair {
        private var task: Task<JuiceFSPair, Error>?

        func pair() async throws -> JuiceFSPair {
            if let task { return try await task.value }
            let task = Task { try await JuiceFSPair.start() }
            self.task = task
            return try await task.value
        }
    }

    /// Short heartbeats and TTL, so recovery takes seconds; polling as
    /// `auto` chooses it on FUSE, at 100 ms; the safety-net rescan an hour
    /// away, so only polling can find what the other host dropped.
    static var defaults: [String: Any] {
        [
        "tts_engine": "tone", "separation_engine": "tone", "settle_s": 0.2, "concurrency": 2, "output": ["format": "wav"],
        "retry_backoff_s": 0.05, "heartbeat_s": 0.5, "orphan_ttl_s": 4, "poll_interval_ms": 100, "rescan_interval_s": 3600,
        ]
    }

    init(pair: JuiceFSPair, name: String = "spool-" + Owner.newToken().prefix(8), config: [String: Any] = [:]) throws {
        self.pair = pair
        self.name = name
        let spool = spool(.a)
        try FileManager.default.createDirectory(atPath: spool.root, withIntermediateDirectories: true)
        try spool.create()
        let settings = Self.defaults.merging(config) { $1 }
        try JSONSerialization.data(withJSONObject: settings, options: [.sortedKeys]).write(to: URL(fileURLWithPath: spool.configFile))
    }

    deinit {
        for child in supervisors.withLock({ $0 }) { child.signal(SIGKILL) }
    }

    /// The spool through one side's mount.
    func spool(_ side: JuiceFSPair.Side) -> Spool { Spool(root: pair.mount(side) + "/" + name) }

    /// `audiospool run --host HOST` on `side`'s mount.
    @discardableResult
    func start(_ side: JuiceFSPair.Side, host: String? = nil, _ extra: [String] = [], environment: [String: String] = [:]) async throws -> ChildProcess {
        let arguments = ["run", "--spool", spool(side).root, "--engines", Repository.engines, "--host", host ?? side.rawValue] + extra
        let child = try await ChildProcess.start(Repository.executable, arguments, environment: environment)
        supervisors.withLock { $0.append(child) }
        return child
    }

    /// Waits until `host`'s supervisor has published its state (it is up).
    func waitUntilUp(_ host: String, through side: JuiceFSPair.Side = .a) async throws {
        let file = spool(side).state.host(host).supervisorFile
        try await waitUntil("\(host)'s supervisor.json", timeout: .seconds(60)) { FileManager.default.fileExists(atPath: file) }
    }

    /// The CLI on `side`'s mount, as host `side`.
    func cli(_ side: JuiceFSPair.Side, _ arguments: String...) async throws -> ChildProcess.Result {
        try await ChildProcess.run(
            Repository.executable, arguments + ["--spool", spool(side).root], environment: ["AUDIOSPOOL_HOST": side.rawValue])
    }

    /// Drops a job file through `side`'s mount, the maildir way.
    func drop(_ name: String, _ contents: String, through side: JuiceFSPair.Side) throws {
        let spool = spool(side)
        let staging = spool.tmp + "/" + name
        try Data(contents.utf8).write(to: URL(fileURLWithPath: staging))
        guard Foundation.rename(staging, spool.path(of: .new, name)) == 0 else { throw POSIXError(.EIO) }
    }

    func entries(_ folder: Spool.Folder, through side: JuiceFSPair.Side = .a) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: spool(side).path(of: folder))) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    func json(_ folder: Spool.Folder, _ id: String, _ file: String, through side: JuiceFSPair.Side = .a) -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: spool(side).path(of: folder, id) + "/" + file) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// Engine runs per job and host, from the engines' own logs ("run
    /// job=ID" lines the SDK writes to stderr), as bench/chaos.py counts them.
    func runs() -> [String: [String]] {
        var runs: [String: [String]] = [:]
        for host in spool(.a).state.allHosts() {
            // Through the host's own mount: a client may hold what it
            // appended in its write-back buffer, unseen by the other.
            let side = JuiceFSPair.Side(rawValue: host.name) ?? .a
            let log = (try? String(contentsOfFile: spool(side).state.host(host.name).log(engine: "tone"), encoding: .utf8)) ?? ""
            for line in log.split(separator: "\n") where line.hasPrefix("run job=") {
                let id = String(line.split(separator: " ")[1].dropFirst("job=".count))
                runs[id, default: []].append(host.name)
            }
        }
        return runs
    }

    /// Every host's events, merged.
    func events() -> [SpoolEvent] { spool(.a).allEvents() }

    func waitUntilFinished(_ count: Int, timeout: Duration = .seconds(60)) async throws {
        try await waitUntil("\(count) jobs finished", timeout: timeout, every: .milliseconds(100)) {
            entries(.done).count + entries(.failed).count >= count && entries(.new).isEmpty && entries(.cur).isEmpty
        }
    }

    static func tone(seconds: Double, pace: Double? = nil, extra: String = "") -> String {
        let pace = pace.map { #", "pace": \#($0)"# } ?? ""
        return #"{"engine": "tone", "params": {"seconds": \#(seconds)\#(pace)}\#(extra)}"#
    }
}
