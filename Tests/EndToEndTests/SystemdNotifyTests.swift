import AudioSpoolTestKit
import Basics
import Foundation
import Glibc
import Spool
import Testing

/// The supervisor under systemd's Type=notify (deploy/systemd): READY=1
/// once the first scan and orphan recovery are done, WATCHDOG=1 at half of
/// $WATCHDOG_USEC, STOPPING=1 when SIGTERM starts the drain.
@Suite(.timeLimit(.minutes(3))) struct SystemdNotifyTests {
    /// A job that waits in new/ (its not_before is an hour away).
    private func laterJob() -> String {
        let later = Timestamp.string(Date().addingTimeInterval(3600))
        return #"{"engine": "tone", "params": {"seconds": 0.1}, "not_before": "\#(later)"}"#
    }

    @Test func readyAfterTheFirstScanWatchdogWhileRunningStoppingOnSigterm() async throws {
        let fixture = try SpoolFixture()
        try fixture.drop("waiting.json", laterJob())
        // An orphan of a process that is gone: recovery returns it to new/ before READY.
        let orphan = fixture.spool.path(of: .cur, "orphan")
        try FileManager.default.createDirectory(atPath: orphan, withIntermediateDirectories: false)
        try Data(laterJob().utf8).write(to: URL(fileURLWithPath: orphan + "/job.json"))
        let owner = Owner(host: HostIdentity.name, bootID: HostIdentity.bootID, pid: Int32.max - 1, processStart: 1, claimedAt: Timestamp.now())
        try JSONEncoder().encode(owner).write(to: URL(fileURLWithPath: orphan + "/owner.json"))

        let socket = try NotifySocket(address: "@audiospool-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { socket.stop() }
        let supervisor = try await ChildProcess.start(
            Repository.executable, ["run", "--spool", fixture.spool.root, "--engines", fixture.engines],
            environment: ["NOTIFY_SOCKET": socket.address, "WATCHDOG_USEC": "400000"])
        try await waitUntil("READY=1 arrives", timeout: .seconds(30)) { socket.count("READY=1") == 1 }
        let ready = try #require(socket.messages.first { $0.contains("READY=1") })
        // The scan had found both jobs, the recovered orphan among them.
        #expect(ready.contains("STATUS=watching \(fixture.spool.root); 2 pending"), "\(ready)")
        #expect(!FileManager.default.fileExists(atPath: orphan))
        #expect(socket.count("STOPPING=1") == 0)

        // Every 200 ms (half of 400 ms): at least five in two seconds.
        let before = socket.count("WATCHDOG=1")
        try await Task.sleep(for: .seconds(2))
        let pings = socket.count("WATCHDOG=1") - before
        #expect((5...15).contains(pings), "\(pings) WATCHDOG=1 in 2 s")

        supervisor.signal(SIGTERM)
        let result = await supervisor.wait()
        #expect(result.status == 0, "\(result.summary)")
        try await waitUntil("STOPPING=1 arrives") { socket.count("STOPPING=1") == 1 }
        let order = socket.messages.map { $0.split(separator: "\n").first.map(String.init) ?? "" }
        #expect(order.first == "READY=1" && order.last == "STOPPING=1", "\(order)")
        #expect(socket.count("READY=1") == 1)
    }

    /// A socket at a path, and a watchdog meant for another process
    /// ($WATCHDOG_PID): READY=1 still, WATCHDOG=1 never.
    @Test func aPathSocketAndAWatchdogForAnotherProcess() async throws {
        let fixture = try SpoolFixture()
        let socket = try NotifySocket(address: fixture.directory.file("notify.sock"))
        defer { socket.stop() }
        let supervisor = try await ChildProcess.start(
            Repository.executable, ["run", "--spool", fixture.spool.root, "--engines", fixture.engines],
            environment: ["NOTIFY_SOCKET": socket.address, "WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"])
        try await waitUntil("READY=1 arrives", timeout: .seconds(30)) { socket.count("READY=1") == 1 }
        try await Task.sleep(for: .milliseconds(600))
        supervisor.signal(SIGTERM)
        #expect(await supervisor.wait().status == 0)
        try await waitUntil("STOPPING=1 arrives") { socket.count("STOPPING=1") == 1 }
        #expect(socket.count("WATCHDOG=1") == 0, "\(socket.messages)")
    }

    /// serve (deploy/systemd's audiospool-serve.service is Type=notify too):
    /// READY=1 once its port is open, STOPPING=1 on SIGTERM.
    @Test func serveIsReadyOnceItListens() async throws {
        let fixture = try SpoolFixture()
        let socket = try NotifySocket(address: NotifySocket.uniqueAddress("audiospool-serve-test"))
        defer { socket.stop() }
        let serve = try await ChildProcess.start(
            Repository.executable, ["serve", "--spool", fixture.spool.root, "--engines", fixture.engines, "--listen", "127.0.0.1:0"],
            environment: ["NOTIFY_SOCKET": socket.address])
        try await waitUntil("READY=1 arrives", timeout: .seconds(30)) { socket.count("READY=1") == 1 }
        let ready = try #require(socket.messages.first { $0.contains("READY=1") })
        #expect(ready.contains("STATUS=listening on"), "\(ready)")
        let port = try #require(socket.listeningPort, "\(ready)")
        // Ready means listening: a connection is taken at once.
        let health = try await ChildProcess.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/healthz"])
        #expect(health.stdout == "200", "\(health.summary)")
        #expect(socket.count("STOPPING=1") == 0)
        serve.signal(SIGTERM)
        #expect(await serve.wait().status == 0)
        try await waitUntil("STOPPING=1 arrives") { socket.count("STOPPING=1") == 1 }
        #expect(socket.count("READY=1") == 1)
    }
}
