import Foundation
import Glibc
import Synchronization

/// One JuiceFS volume mounted twice: two FUSE clients with their own
/// caches, which stand for two hosts sharing a spool. The metadata is in a
/// `redis-server` the pair starts on loopback, on a free port; the data in
/// a local folder. Needs root and /dev/fuse (`available` says whether this
/// machine has them, and redis-server). Both mounts are detached when the
/// pair goes, and at exit for one that is never released.
public final class JuiceFSPair: Sendable {
    public enum Side: String, Sendable, CaseIterable {
        case a, b
    }

    public let directory: TemporaryDirectory
    public let juicefs: String
    public let metaURL: String
    private let redis: ChildProcess
    private let clients: Mutex<[Side: ChildProcess]>

    /// Where each side's client mounts the volume.
    public func mount(_ side: Side) -> String { directory.path + "/mnt-" + side.rawValue }

    public static var available: Bool {
        getuid() == 0 && access("/dev/fuse", R_OK | W_OK) == 0 && FileManager.default.isExecutableFile(atPath: redisServer)
    }

    static let redisServer = "/usr/bin/redis-server"

    /// Starts Redis, formats a volume and mounts it twice.
    public static func start() async throws -> JuiceFSPair {
        let juicefs = try await TestTools.program("juicefs", in: "juicefs")
        let directory = TemporaryDirectory(prefix: "audiospool-juicefs")
        let port = try Loopback.freePort()
        let redis = try await ChildProcess.start(
            redisServer, ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.path])
        leftovers.withLock { leftovers in
            if let pid = redis.pid { leftovers.processes.insert(pid) }
            leftovers.directories.insert(directory.path)
        }
        let meta = "redis://127.0.0.1:\(port)/1"
        try await waitUntil("redis-server answers on port \(port)", timeout: .seconds(20)) { Loopback.canConnect(port: port) }
        let pair = JuiceFSPair(directory: directory, juicefs: juicefs, metaURL: meta, redis: redis)
        let format = try await ChildProcess.run(
            juicefs, ["format", "--storage", "file", "--bucket", directory.path + "/store/", "--trash-days", "0", meta, "spools"])
        guard format.status == 0 else { throw SetupFailed(description: "juicefs format: \(format.summary)") }
        for side in Side.allCases { try await pair.mountClient(side) }
        return pair
    }

    private init(directory: TemporaryDirectory, juicefs: String, metaURL: String, redis: ChildProcess) {
        self.directory = directory
        self.juicefs = juicefs
        self.metaURL = metaURL
        self.redis = redis
        clients = Mutex([:])
    }

    /// Mounts `side`'s client in the foreground (a child of this process,
    /// so it goes with it) and waits until the mount is there.
    private func mountClient(_ side: Side) async throws {
        let point = mount(side)
        try FileManager.default.createDirectory(atPath: point, withIntermediateDirectories: true)
        Self.leftovers.withLock { _ = $0.mounts.insert(point) }
        let client = try await ChildProcess.start(
            juicefs, [
                "mount", metaURL, point, "--no-usage-report", "--cache-dir", directory.path + "/cache-" + side.rawValue,
                "--log", directory.path + "/juicefs-" + side.rawValue + ".log",
            ])
        clients.withLock { $0[side] = client }
        if let pid = client.pid { Self.leftovers.withLock { _ = $0.processes.insert(pid) } }
        try await waitUntil("juicefs mounts \(point)", timeout: .seconds(30)) { Self.isFUSE(point) }
    }

    /// Tears `side`'s mount away as a dying host would lose it: detached
    /// (`umount -l`), its client killed.
    public func detach(_ side: Side) {
        let point = mount(side)
        umount2(point, Int32(MNT_DETACH))
        let client = clients.withLock { $0[side] }
        client?.signal(SIGKILL)
        // juicefs may run the mount in a child of its own, which outlives
        // the one we started: find it by its (unique) mount point.
        // Looked for until none is left: its watchdog may start another.
        for _ in 0..<40 {
            let left = Self.processes(mentioning: point)
            if left.isEmpty { break }
            for pid in left { kill(pid, SIGKILL) }
            usleep(50_000)
        }
        Self.leftovers.withLock { leftovers in
            leftovers.mounts.remove(point)
            if let pid = client?.pid { leftovers.processes.remove(pid) }
        }
    }

    deinit {
        for side in Side.allCases { detach(side) }
        redis.signal(SIGKILL)
        Self.leftovers.withLock { leftovers in
            if let pid = redis.pid { leftovers.processes.remove(pid) }
            leftovers.directories.remove(directory.path)  // the TemporaryDirectory removes it
        }
    }

    /// Whether a JuiceFS client is mounted at `path` (by /proc/self/mounts).
    static func isFUSE(_ path: String) -> Bool {
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        return mounts.split(separator: "\n").contains { $0.split(separator: " ").dropFirst().first.map(String.init) == path && $0.contains(" fuse.juicefs ") }
    }

    // MARK: Cleaning up after a test process that never releases its pair

    /// What a pair that was never released (the tests' shared one) leaves
    /// at exit: its mounts are detached and its servers killed then, as
    /// children outlive their parent.
    private static let leftovers: Mutex<(mounts: Set<String>, processes: Set<Int32>, directories: Set<String>)> = {
        atexit {
            let (mounts, processes, directories) = JuiceFSPair.leftovers.withLock { $0 }
            for point in mounts {
                umount2(point, Int32(MNT_DETACH))
                for pid in JuiceFSPair.processes(mentioning: point) { kill(pid, SIGKILL) }
            }
            for pid in processes { kill(pid, SIGKILL) }
            for directory in directories { try? FileManager.default.removeItem(atPath: directory) }
        }
        return Mutex((mounts: [], processes: [], directories: []))
    }()

    /// The processes whose command line names `text`.
    static func processes(mentioning text: String) -> [Int32] {
        let own = getpid()
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { name -> Int32? in
            guard let pid = Int32(name), pid != own,
                  let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline")
            else { return nil }
            let words = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return words.contains(text) ? pid : nil
        }
    }

    public struct SetupFailed: Error, CustomStringConvertible {
        public var description: String
    }
}
