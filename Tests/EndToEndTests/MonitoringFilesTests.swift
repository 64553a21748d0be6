import AudioSpoolTestKit
import Foundation
import Glibc
import Spool
import Testing

/// The files operators watch: status.json, metrics.prom, events.jsonl and
/// the logs, read with the tools MONITORING.md names.
@Suite(.timeLimit(.minutes(3))) struct MonitoringFilesTests {
    @Test func statusJSONIsWholeAtEveryMomentUnderLoad() async throws {
        let fixture = try SpoolFixture(config: ["concurrency": 2])
        for index in 0..<6 {
            // Distinct jobs (no shared result), each about 1.5 s of engine time.
            try fixture.drop("load\(index).json", #"{"engine": "tone", "params": {"seconds": 1.5, "pace": 1, "frequency": \#(300 + index)}}"#)
        }
        // The reader is a thread of its own, so a busy test runner cannot
        // keep it from looking while the jobs run.
        let reader = StatusReader(fixture: fixture)
        Thread.detachNewThread { reader.run() }
        _ = try await fixture.startSupervisor()
        try await waitUntil("all six are done", timeout: .seconds(90), every: .milliseconds(50)) { fixture.entries(.done).count == 6 }
        let seen = reader.stop()
        #expect(seen.problems.isEmpty, "\(seen.problems.prefix(5))")
        #expect(seen.parsed > 20, "the reader saw only \(seen.parsed) status files")
        #expect(seen.partWay, "no job was seen part way")
    }

    @Test func metricsPassPromtoolAndCountWhatTheFoldersHold() async throws {
        let fixture = try SpoolFixture()
        for index in 0..<3 {
            try fixture.drop("ok\(index).json", #"{"engine": "tone", "params": {"seconds": 0.5, "frequency": \#(400 + index)}}"#)
        }
        try fixture.drop("bad.json", #"{"engine": "tone", "params": {"seconds": -1}}"#)
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")

        let file = fixture.spool.state.metricsFile
        let check = try await ChildProcess.run("/bin/sh", ["-c", "promtool check metrics < \"$0\"", file])
        #expect(check.status == 0, "\(check.summary)")
        let metrics = try Metrics(file)
        #expect(metrics["audiospool_jobs", ["state": "done"]] == Double(fixture.entries(.done).count))
        #expect(metrics["audiospool_jobs", ["state": "failed"]] == Double(fixture.entries(.failed).count))
        #expect(metrics["audiospool_jobs", ["state": "pending"]] == 0)
        #expect(metrics["audiospool_jobs", ["state": "running"]] == 0)
        #expect(fixture.entries(.done).count == 3 && fixture.entries(.failed).count == 1)
        #expect(metrics["audiospool_jobs_finished_total", ["engine": "tone", "outcome": "done"]] == 3)
        #expect(metrics["audiospool_jobs_finished_total", ["engine": "tone", "outcome": "failed"]] == 1)
        #expect(metrics["audiospool_job_duration_seconds_count", ["engine": "tone"]] == 3)
        #expect(metrics["audiospool_audio_seconds_total", ["engine": "tone"]] == 1.5)
        #expect((metrics["audiospool_real_time_factor", ["engine": "tone"]] ?? 0) > 0)
        #expect(metrics["audiospool_oldest_pending_job_age_seconds", [:]] == 0)
        #expect(metrics["audiospool_gpu_slots_free", [:]] != nil)
        // Every family is documented in SPOOL.md, and nothing more.
        let emitted = Set(try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
            .filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) })
        let documented = Set(try String(contentsOfFile: Repository.root + "/SPOOL.md", encoding: .utf8).split(separator: "\n")
            .filter { $0.hasPrefix("| `audiospool_") }.map { String($0.split(separator: "`")[1]) })
        #expect(emitted == documented)
        // Written under a hidden name that node_exporter does not read.
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.spool.state.thisHost.path).filter { $0.hasSuffix(".prom") } == ["metrics.prom"])

        let state = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture.spool.state.supervisorFile))) as? [String: Any])
        #expect(state["state"] as? String == "stopped")
        #expect(state["counts"] as? [String: Int] == ["new": 0, "cur": 0, "done": 3, "failed": 1])
        let tone = try #require((state["engines"] as? [[String: Any]])?.first { $0["name"] as? String == "tone" })
        #expect(tone["jobs_served"] as? Int == 4)
        #expect(state["gpu_leases"] as? [Any] != nil)
    }

    @Test func inotifywaitSeesEachFinishedJobArrive() async throws {
        let fixture = try SpoolFixture()
        let watcher = try await ChildProcess.start("/usr/bin/inotifywait", ["-m", "-q", "-e", "moved_to", "--format", "%f", fixture.spool.done])
        // Start the jobs only once its watch is in place.
        try await waitUntil("inotifywait watches done/") {
            guard let pid = watcher.pid, let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fdinfo") else { return false }
            return fds.contains { (try? String(contentsOfFile: "/proc/\(pid)/fdinfo/\($0)", encoding: .utf8))?.contains("inotify wd:") == true }
        }
        var ids: [String] = []
        for index in 0..<3 {
            ids.append(try await fixture.submit("--engine", "tone", "--param", "seconds=0.3", "--param", "frequency=\(500 + index)", "--format", "wav"))
        }
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        watcher.signal(SIGTERM)
        let seen = await watcher.wait().stdout.split(separator: "\n").map(String.init)
        #expect(seen.sorted() == ids.sorted())
    }

    @Test func theEventsLogHasOneLinePerTransition() async throws {
        let engines = try EngineVariants()
        try engines.add("tone", from: Repository.engines + "/tone")
        try engines.add("crash", from: Repository.fixtureEngines + "/crash")
        let fixture = try SpoolFixture(engines: engines.path)
        let good = try await fixture.submit("--engine", "tone", "--param", "seconds=1", "--param", "pace=4", "--format", "wav")
        let doomed = try await fixture.submit("--engine", "crash", "--max-attempts", "3")
        let cancelled = try await fixture.submit("--engine", "tone", "--param", "seconds=9")
        let cancel = try await fixture.cli("cancel", cancelled, engines: false)
        #expect(cancel.status == 0, "\(cancel.summary)")
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")

        let lines = try String(contentsOfFile: fixture.spool.state.eventsFile, encoding: .utf8).split(separator: "\n")
        let events = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "\($0)") }
        for event in events {
            #expect(event["time"] is String && event["host"] is String && event["pid"] is Int, "\(event)")
        }
        func kinds(_ id: String) -> [String] { events.filter { $0["job"] as? String == id }.compactMap { $0["event"] as? String } }
        #expect(kinds(good).filter { $0 != "progress" } == ["submitted", "claimed", "done"])
        let milestones = events.filter { $0["job"] as? String == good && $0["event"] as? String == "progress" }.compactMap { $0["progress"] as? Double }
        #expect(!milestones.isEmpty && milestones == milestones.sorted() && Set(milestones).count == milestones.count)
        #expect(milestones.allSatisfy { [0.25, 0.5, 0.75].contains($0) }, "\(milestones)")
        // Two crashes make it poison (poison_after 2).
        #expect(kinds(doomed) == ["submitted", "claimed", "retried", "claimed", "failed"])
        let retried = try #require(events.first { $0["job"] as? String == doomed && $0["event"] as? String == "retried" })
        #expect(retried["kind"] as? String == "engine_crashed" && retried["retry_at"] is String && retried["attempt"] as? Int == 1)
        #expect(kinds(cancelled) == ["submitted", "cancelled"])

        let explain = try await fixture.cli("explain", doomed, engines: false)
        #expect(explain.status == 0, "\(explain.summary)")
        for text in ["\(doomed): failed (failed/\(doomed))", "retried attempt 1 on crash", "engine_crashed:", "poison", "boom: simulated crash"] {
            #expect(explain.stdout.contains(text), "\(text) in:\n\(explain.stdout)")
        }
        #expect(explain.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("  1  ") || $0.hasPrefix("  2  ") }.count == 2, "two attempts:\n\(explain.stdout)")
        let json = try await fixture.cli("explain", good, "--json", engines: false)
        let history = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(history["state"] as? String == "done")
        #expect((history["events"] as? [Any])?.count == kinds(good).count)
        #expect((history["result"] as? [String: Any])?["id"] as? String == good)
        let unknown = try await fixture.cli("explain", "nobody", engines: false)
        #expect(unknown.status == 1 && unknown.stderr.contains("no job nobody"))
    }

    @Test func logsAreJSONLinesCarryingJobAndEngine() async throws {
        let fixture = try SpoolFixture()
        let id = try await fixture.submit("--engine", "tone", "--param", "seconds=0.2", "--format", "wav")
        let run = try await ChildProcess.run(Repository.executable, ["run", "--until-idle", "--log-format", "json", "--spool", fixture.spool.root, "--engines", fixture.engines])
        #expect(run.status == 0, "\(run.summary)")
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count >= 3)
        let objects = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "not JSON: \($0)") }
        let jobLines = objects.filter { $0["job"] != nil }
        #expect(jobLines.contains { $0["message"] as? String == "running" })
        #expect(jobLines.contains { $0["message"] as? String == "done" })
        for line in jobLines {
            #expect(line["job"] as? String == id && line["engine"] as? String == "tone", "\(line)")
            #expect(line["level"] is String && line["time"] is String)
        }
    }
}

/// A metrics.prom, read as name{labels} → value.
struct Metrics {
    var samples: [(name: String, labels: [String: String], value: Double)] = []

    init(_ path: String) throws {
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            var labels: [String: String] = [:]
            var name = String(series)
            if let brace = series.firstIndex(of: "{") {
                name = String(series[..<brace])
                for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    labels[String(parts[0])] = String(parts[1]).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                }
            }
            samples.append((name, labels, value))
        }
    }

    subscript(name: String, labels: [String: String]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }
}

/// Reads every status.json in cur/ again and again, and notes anything that
/// is not whole JSON with the fields SPOOL.md promises.
final class StatusReader: @unchecked Sendable {
    struct Seen {
        var parsed = 0
        var partWay = false
        var problems: [String] = []
    }

    private let fixture: SpoolFixture
    private let lock = NSLock()
    private var seen = Seen()
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)

    init(fixture: SpoolFixture) {
        self.fixture = fixture
    }

    func run() {
        var last: [String: Double] = [:]
        while !lock.withLock({ stopping }) {
            for id in fixture.entries(.cur) {
                // Vanishing between the listing and the read is fine; a partial file is not.
                guard let data = FileManager.default.contents(atPath: fixture.spool.path(of: .cur, id) + "/status.json") else { continue }
                let problem = check(data, id: id, last: &last)
                lock.withLock {
                    seen.parsed += 1
                    if let problem { seen.problems.append(problem) }
                    if let progress = last[id], progress > 0 && progress < 1 { seen.partWay = true }
                }
            }
            usleep(500)
        }
        finished.signal()
    }

    func stop() -> Seen {
        lock.withLock { stopping = true }
        finished.wait()
        return lock.withLock { seen }
    }

    private func check(_ data: Data, id: String, last: inout [String: Double]) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            return "not whole JSON: \(String(decoding: data, as: UTF8.self))"
        }
        guard object["id"] as? String == id, object["engine"] as? String == "tone", object["attempt"] as? Int == 1,
              ["starting", "running", "encoding"].contains(object["state"] as? String ?? ""),
              object["started_at"] is String, object["updated_at"] is String,
              let progress = object["progress"] as? Double, (0...1).contains(progress)
        else { return "missing or wrong fields: \(object)" }
        if object["state"] as? String == "running" && object["device"] as? String != "cpu" { return "no device: \(object)" }
        defer { last[id] = progress }
        return progress < last[id, default: 0] ? "progress of \(id) went back: \(object)" : nil
    }
}
