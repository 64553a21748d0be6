import AudioSpoolTestKit
import Foundation
import Glibc
import Spool
import Basics
import Synchronization
import Testing

/// `watch`, `status`, `engines` and `clean`, as an operator runs them.
@Suite(.timeLimit(.minutes(3))) struct OperatorCommandTests {
    @Test func watchDrawsProgressBarsInATerminal() async throws {
        let fixture = try SpoolFixture()
        let socket = "audiospool-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        func tmux(_ arguments: String...) async throws -> ChildProcess.Result {
            try await ChildProcess.run("/usr/bin/tmux", ["-L", socket] + arguments)
        }
        defer { _ = system("tmux -L \(socket) kill-server 2>/dev/null") }
        let command = "\(Repository.executable) watch --interval 0.1 --spool \(fixture.spool.root)"
        let session = try await tmux("new-session", "-d", "-s", "watch", "-x", "120", "-y", "20", command)
        #expect(session.status == 0, "\(session.summary)")
        let id = try await fixture.submit("--engine", "tone", "--param", "seconds=6", "--param", "pace=2", "--format", "wav")
        _ = try await fixture.startSupervisor()

        var screen = ""
        try await waitUntilAsync("watch shows \(id) part way:\n\(screen)", timeout: .seconds(30), every: .milliseconds(100)) {
            let capture = try await tmux("capture-pane", "-p", "-t", "watch")
            screen = capture.stdout
            return screen.contains(id) && screen.contains("running  tone") && screen.contains("[#") && screen.contains("-]")
        }
        let lines = screen.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("pending 0  running 1  done 0  failed 0") == true, "\(screen)")
        let row = try #require(lines.first { $0.contains(id) })
        let percent = try #require(row.split(separator: " ").first { $0.hasSuffix("%") }.flatMap { Int($0.dropLast()) })
        let bar = try #require(row.firstRange(of: /\[(#*)(-*)\]/))
        let filled = Double(row[bar].filter { $0 == "#" }.count) / Double(row[bar].count - 2)
        #expect(abs(filled * 100 - Double(percent)) < 10, "the bar does not match \(percent)%: \(row)")
        #expect(lines.count < 6, "redrawn in place, not scrolled:\n\(screen)")

        try await waitUntilAsync("watch shows it done:\n\(screen)", timeout: .seconds(30), every: .milliseconds(100)) {
            screen = try await tmux("capture-pane", "-p", "-t", "watch").stdout
            return screen.contains("running 0  done 1") && screen.contains("nothing running")
        }
    }

    @Test func watchPrintsPlainLinesWithoutATerminal() async throws {
        let fixture = try SpoolFixture()
        let id = try await fixture.submit("--engine", "tone", "--param", "seconds=2", "--param", "pace=2", "--format", "wav")
        let watch = try await ChildProcess.start(Repository.executable, ["watch", "--until-idle", "--interval", "0.05", "--spool", fixture.spool.root])
        _ = try await fixture.startSupervisor()
        let result = await watch.wait(timeout: .seconds(60))
        #expect(result.status == 0, "\(result.summary)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(!result.stdout.contains("\u{1B}["), "no terminal codes in a pipe")
        #expect(lines.contains { $0.contains("\(id) running tone") }, "\(result.stdout)")
        #expect(lines.last?.hasSuffix("\(id) done") == true, "\(result.stdout)")
        // A line per tenth at most, not one per look.
        #expect(lines.count <= 14, "\(result.stdout)")
    }

    @Test func statusAndEnginesShowTheRunningSupervisor() async throws {
        let fixture = try SpoolFixture()
        let before = try await fixture.cli("status", "--json", engines: false)
        let idle = try #require(try JSONSerialization.jsonObject(with: Data(before.stdout.utf8)) as? [String: Any])
        #expect(idle["supervisor_running"] as? Bool == false)
        #expect((idle["engines"] as? [Any])?.isEmpty == true)

        let id = try await fixture.submit("--engine", "tone", "--param", "seconds=8", "--param", "pace=2", "--format", "wav")
        _ = try await fixture.startSupervisor()
        var overview: [String: Any] = [:]
        try await waitUntilAsync("status shows tone busy with \(id)", timeout: .seconds(30), every: .milliseconds(200)) {
            let result = try await fixture.cli("status", "--json", engines: false)
            overview = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
            let tone = (overview["engines"] as? [[String: Any]])?.first { $0["name"] as? String == "tone" }
            return tone?["state"] as? String == "busy" && (overview["running"] as? [[String: Any]])?.first?["id"] as? String == id
        }
        #expect(overview["supervisor_running"] as? Bool == true)
        #expect((overview["counts"] as? [String: Int])?["cur"] == 1)
        let text = try await fixture.cli("status", engines: false)
        #expect(text.stdout.contains("supervisor pid"), "\(text.stdout)")
        #expect(text.stdout.split(separator: "\n").contains { $0.contains("tone") && $0.contains("busy") && $0.contains("cpu") }, "\(text.stdout)")
        #expect(text.stdout.split(separator: "\n").contains { $0.contains(id) && $0.contains("running") }, "\(text.stdout)")

        let engines = try await fixture.cli("engines", "--json")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(engines.stdout.utf8)) as? [[String: Any]])
        let tone = try #require(list.first { $0["name"] as? String == "tone" })
        #expect(tone["state"] as? String == "busy")
        #expect(tone["tasks"] as? [String] == ["tone", "tts"])
        #expect(tone["device"] as? String == "cpu")
    }

    /// `status` lists another host's supervisor as running while its
    /// heartbeat changes, though that host's clock is a minute slow, and as
    /// gone once the heartbeat stops (Spool.liveSupervisors).
    @Test func statusJudgesAnotherHostsSupervisorByItsHeartbeatNotOurClock() async throws {
        let fixture = try SpoolFixture()
        let folder = fixture.spool.state.host("slow-clock")
        try FileSystem.createDirectories(folder.path)
        let spool = fixture.spool
        let beat: @Sendable () throws -> Void = {
            var state = SupervisorState(version: "1", startedAt: Timestamp.string(Date().addingTimeInterval(-60)))
            state.host = "slow-clock"
            try spool.state.write(state, to: folder.supervisorFile)
        }
        try beat()
        let stop = Atomic<Bool>(false), stopped = Atomic<Bool>(false)
        let beating = Thread {
            while !stop.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: 0.3)  // the other host's heartbeat, not a wait for anything
                try? beat()
            }
            stopped.store(true, ordering: .relaxed)
        }
        beating.start()
        func running() async throws -> Bool? {
            let result = try await fixture.cli("status", "--json", engines: false)
            let overview = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.summary)")
            return (overview["supervisors"] as? [[String: Any]])?.first { $0["host"] as? String == "slow-clock" }?["running"] as? Bool
        }
        #expect(try await running() == true)
        stop.store(true, ordering: .relaxed)
        try await waitUntil("the other host has stopped beating") { stopped.load(ordering: .relaxed) }
        #expect(try await running() == false)
    }

    @Test func cleanRemovesWhatIsPastItsRetention() async throws {
        let fixture = try SpoolFixture()
        for index in 0..<3 {
            try fixture.drop("old\(index).json", #"{"engine": "tone", "params": {"seconds": 0.1, "frequency": \#(600 + index)}}"#)
        }
        try fixture.drop("broken.json", #"{"engine": "tone", "params": {"seconds": -1}}"#)
        try fixture.drop("ancient.json", #"{"engine": "tone", "params": {"seconds": "x"}}"#)
        #expect(try await fixture.runUntilIdle().status == 0)
        try age(fixture, .done, "old0", "result.json", days: 8)
        try age(fixture, .done, "old1", "result.json", days: 6)
        try age(fixture, .failed, "broken", "error.json", days: 8)
        try age(fixture, .failed, "ancient", "error.json", days: 31)

        let dry = try await fixture.cli("clean", "--dry-run", engines: false)
        #expect(dry.status == 0, "\(dry.summary)")
        #expect(dry.stdout.contains("would remove done/old0 (8.0 days old)") && dry.stdout.contains("would remove failed/ancient"), "\(dry.stdout)")
        #expect(!dry.stdout.contains("old1") && !dry.stdout.contains("broken"), "\(dry.stdout)")
        #expect(fixture.entries(.done) == ["old0", "old1", "old2"] && fixture.entries(.failed).count == 2)

        let clean = try await fixture.cli("clean", engines: false)
        #expect(clean.status == 0, "\(clean.summary)")
        #expect(fixture.entries(.done) == ["old1", "old2"])
        #expect(fixture.entries(.failed) == ["broken"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.spool.done).filter { $0.hasPrefix(".") }.isEmpty)

        // A supervisor cleans when it starts, by the spool's config.
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture.spool.configFile))) as! [String: Any]
        config["done_retention_days"] = 5
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: fixture.spool.configFile))
        #expect(try await fixture.runUntilIdle().status == 0)
        #expect(fixture.entries(.done) == ["old2"])
    }

    private func age(_ fixture: SpoolFixture, _ folder: Spool.Folder, _ id: String, _ file: String, days: Double) throws {
        let path = fixture.spool.path(of: folder, id) + "/" + file
        let date = Date().addingTimeInterval(-days * 86400)
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: path)
    }
}
