import Foundation
import Glibc

/// `audiospool serve` started by a test on a free loopback port, and curl
/// (an independent client) to talk to it.
public final class ServeProcess: Sendable {
    public let process: ChildProcess
    public let port: Int
    public var base: String { "http://127.0.0.1:\(port)" }
    private let scratch = TemporaryDirectory(prefix: "audiospool-curl")

    public struct Reply: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: Data
        public var text: String { String(decoding: body, as: UTF8.self) }
        public var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
        /// `error.kind` and `error.message` of an error body.
        public var error: (kind: String?, message: String?) {
            let error = json["error"] as? [String: Any]
            return (error?["kind"] as? String, error?["message"] as? String)
        }
    }

    /// Starts serve for the fixture's spool on a port the kernel picks, and
    /// waits until it answers /healthz. The port comes from serve's READY=1
    /// (systemd's notify protocol): a port picked free beforehand could be
    /// taken by another test's server or client before serve binds it.
    public static func start(_ fixture: SpoolFixture, _ extra: [String] = []) async throws -> ServeProcess {
        try await start(spool: fixture.spool.root, engines: fixture.engines, extra)
    }

    /// The same for any spool (one on a shared file system, say).
    public static func start(spool: String, engines: String, _ extra: [String] = []) async throws -> ServeProcess {
        let notify = try NotifySocket(address: NotifySocket.uniqueAddress("audiospool-serve"))
        defer { notify.stop() }
        let process = try await ChildProcess.start(
            Repository.executable,
            ["serve", "--spool", spool, "--engines", engines, "--listen", "127.0.0.1:0"] + extra,
            environment: ["NOTIFY_SOCKET": notify.address])
        try await waitUntil("serve says it listens", timeout: .seconds(30)) { notify.listeningPort != nil || process.hasExited }
        guard let port = notify.listeningPort else { throw ServeDidNotStart(result: await process.wait(timeout: .seconds(5))) }
        let serve = ServeProcess(process: process, port: port)
        try await waitUntilAsync("serve answers /healthz", timeout: .seconds(30)) {
            (try? await serve.curl("/healthz").status) == 200
        }
        return serve
    }

    init(process: ChildProcess, port: Int) {
        self.process = process
        self.port = port
    }

    deinit {
        process.signal(SIGKILL)
    }

    /// `curl -s` PATH with extra arguments (`-X`, `-H`, `--data-binary`, …).
    public func curl(_ path: String, _ arguments: [String] = [], key: String? = nil) async throws -> Reply {
        let name = UUID().uuidString
        let bodyFile = scratch.file(name + ".body"), headerFile = scratch.file(name + ".headers")
        var args = ["-s", "-o", bodyFile, "-D", headerFile, "-w", "%{http_code}", "--max-time", "120"]
        if let key { args += ["-H", "Authorization: Bearer \(key)"] }
        let result = try await ChildProcess.run("/usr/bin/curl", args + arguments + [base + path])
        let body = FileManager.default.contents(atPath: bodyFile) ?? Data()
        var headers: [String: String] = [:]
        let head = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
        for line in head.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Reply(status: Int(result.stdout) ?? 0, headers: headers, body: body)
    }
}

/// serve exited before it listened; what it printed.
public struct ServeDidNotStart: Error, CustomStringConvertible {
    public let result: ChildProcess.Result
    public var description: String { "serve exited before it listened: \(result.summary)" }
}
