import AudioSpoolTestKit
import Basics
import Foundation
import Spool
import Testing

/// MONITORING.md's one-liners, run against a real spool: each must work as
/// written (no errors from jq, find, grep or audiospool), so the document
/// cannot drift from the files.
@Suite(.timeLimit(.minutes(3))) struct MonitoringDocumentTests {
    /// Commands that run until stopped, or need a daemon; tried by hand.
    static let longRunning = ["inotifywait -m", "tail -f", "watch ", "audiospool watch", "prometheus-node-exporter", "curl "]

    @Test func everyOneLinerRunsAgainstASpool() async throws {
        let fixture = try SpoolFixture()
        let done = try await fixture.submit("--engine", "tone", "--param", "seconds=0.2", "--format", "wav")
        try fixture.drop("broken.json", #"{"engine": "tone", "params": {"seconds": -1}}"#)
        let run = try await ChildProcess.run(
            Repository.executable, ["run", "--until-idle", "--log-format", "json", "--spool", fixture.spool.root, "--engines", fixture.engines])
        #expect(run.status == 0, "\(run.summary)")
        let work = fixture.directory.path
        try run.stderr.write(toFile: work + "/supervisor.log", atomically: true, encoding: .utf8)
        // A job waiting for its retry, and one running, for the commands about those.
        let waiting = fixture.spool.tmp + "/waiting"
        try FileManager.default.createDirectory(atPath: waiting, withIntermediateDirectories: true)
        try #"{"engine": "tone"}"#.write(toFile: waiting + "/job.json", atomically: false, encoding: .utf8)
        let retryAt = Timestamp.string(Date().addingTimeInterval(3600))
        // As a supervisor leaves a retried job: its own record, and attempts.json for people.
        var attempt = AttemptRecord(number: 1, host: "h", pid: 1, startedAt: "2026-01-01T00:00:00Z")
        attempt.retryAt = retryAt
        try fixture.spool.save(CarriedRecord(id: "waiting", attempts: [attempt]), for: JobFolder(path: waiting))
        try FileManager.default.moveItem(atPath: waiting, toPath: fixture.spool.path(of: .new, "waiting"))
        let long = try await fixture.submit("--engine", "tone", "--param", "seconds=60", "--param", "pace=1", "--format", "wav")
        _ = try await fixture.startSupervisor()
        try await waitUntil("\(long) runs") { fixture.json(.cur, long, "status.json")?["state"] as? String == "running" }
        try await waitUntil("supervisor.json is written") { fixture.spool.supervisorState()?.isLive() == true }

        let commands = try Self.oneLiners()
        #expect(commands.count >= 25, "\(commands.count) commands found")
        let binaries = (Repository.executable as NSString).deletingLastPathComponent
        var tried = 0
        for command in commands where !Self.longRunning.contains(where: command.contains) {
            let line = command.replacingOccurrences(of: "\"ID\"", with: "\"\(done)\"")
                .replacingOccurrences(of: "explain ID", with: "explain \(done)")
                .replacingOccurrences(of: "status ID", with: "status \(done)")
                .replacingOccurrences(of: "ENGINE", with: "tone")
            let result = try await ChildProcess.run(
                "/bin/sh", ["-c", line], environment: [
                    "S": fixture.spool.root, "H": HostIdentity.name, "AUDIOSPOOL_SPOOL": fixture.spool.root, "AUDIOSPOOL_ENGINES": fixture.engines,
                    "PATH": binaries + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                ], directory: work)
            tried += 1
            // grep and find may find nothing (1); nothing may complain.
            #expect(result.status <= 1 && result.stderr.isEmpty, "\(line)\n\(result.summary)")
        }
        #expect(tried >= 20)
    }

    /// The first command in the answer column of every table row.
    static func oneLiners() throws -> [String] {
        let text = try String(contentsOfFile: Repository.root + "/MONITORING.md", encoding: .utf8)
        return text.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| question") }.compactMap { row in
            // Cells are split on unescaped bars; `\|` is a bar inside code.
            let cells = row.replacingOccurrences(of: "\\|", with: "\u{0}").split(separator: "|").map { $0.replacingOccurrences(of: "\u{0}", with: "|") }
            guard cells.count >= 2 else { return nil }
            let answer = cells[1]
            guard let open = answer.firstIndex(of: "`") else { return nil }
            let rest = answer[answer.index(after: open)...]
            guard let close = rest.firstIndex(of: "`") else { return nil }
            return String(rest[..<close])
        }
    }
}
