import ArgumentParser
import Basics
import Foundation
import Spool

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the spool's counts and running jobs, or one job.",
        discussion: "Exits 1 if ID is given and no folder holds it.")

    @OptionGroup var spool: SpoolOptions

    @Argument(help: "A job id.")
    var id: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let spool = try spool.existingSpool()
        if let id {
            try show(id, spool: spool)
        } else {
            overview(spool)
        }
    }

    private func overview(_ spool: Spool) {
        let counts = spool.counts()
        let running = spool.runningStatuses()
        let supervisors = spool.supervisorStates()
        // This host's, else the latest live one's: what the single-host fields show.
        let supervisor = supervisors.first { $0.host == HostIdentity.name } ?? supervisors.max { $0.updatedAt < $1.updatedAt }
        // Another host's heartbeat is judged by its changing, not by our clock (Spool.liveSupervisors).
        let liveOnes = spool.liveSupervisors()
        let isLive = { (state: SupervisorState) in liveOnes.contains { $0.host == state.host && $0.pid == state.pid } }
        let live = supervisor.map(isLive) ?? false
        if json {
            let document = Overview(
                spool: spool.root,
                counts: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }),
                running: running, supervisor: supervisor, supervisorRunning: live, engines: live ? supervisor!.engines : [],
                supervisors: supervisors.map { HostSupervisor(state: $0, running: isLive($0)) })
            printJSON(document)
            return
        }
        print("spool \(spool.root)")
        for folder in Spool.Folder.allCases {
            print("  \(folder.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(counts[folder] ?? 0)")
        }
        if !running.isEmpty {
            print("\nrunning")
            let rows = running.map { status in
                [
                    status.id, status.host ?? "-", status.engine, status.state.rawValue, "\(Int(status.progress * 100))%",
                    status.segmentsTotal.map { "\(status.segmentsDone ?? 0)/\($0)" } ?? "-", "\(status.attempt)",
                    status.etaSeconds.map { String(format: "%.1fs", $0) } ?? "-",
                ]
            }
            printTable(header: ["ID", "HOST", "ENGINE", "STATE", "PROGRESS", "SEGMENTS", "ATTEMPT", "ETA"], rows: rows)
        }
        if supervisors.count > 1 {
            print("\nhosts")
            printTable(
                header: ["HOST", "PID", "STATE", "WATCH", "ENGINES", "RUNNING", "UPDATED"],
                rows: supervisors.map { state in
                    let watch = state.watch.map { $0.mode == .poll ? "poll \($0.intervalMilliseconds ?? 0)ms" : $0.mode.rawValue } ?? "-"
                    let jobs = running.filter { $0.host == state.host }.count
                    let engines = state.enginesOnly?.joined(separator: ",") ?? "all"
                    return [state.host, "\(state.pid)", isLive(state) ? "running" : "gone", watch, engines, "\(jobs)", state.updatedAt]
                })
        }
        for other in supervisors where other.host != supervisor?.host && isLive(other) {
            printSupervisor(other, live: true)
        }
        printSupervisor(supervisor, live: live)
    }

    private func printSupervisor(_ supervisor: SupervisorState?, live: Bool) {
        guard let supervisor, live else {
            print("\nno supervisor running" + (supervisor.map { " (the last one, pid \($0.pid) on \($0.host), wrote at \($0.updatedAt))" } ?? ""))
            return
        }
        print("\nsupervisor pid \(supervisor.pid) on \(supervisor.host), version \(supervisor.version), since \(supervisor.startedAt)")
        print("\nengines")
        printTable(
            header: ["ENGINE", "STATE", "DEVICE", "INSTANCES", "RESTARTS", "SERVED"],
            rows: supervisor.engines.map { engine in
                [engine.name, engine.state, engine.device ?? "-", "\(engine.instances.count)/\(engine.maxInstances)", "\(engine.restarts)", "\(engine.jobsServed)"]
            })
    }

    private func show(_ id: String, spool: Spool) throws {
        guard let state = spool.state(of: id) else {
            FileHandle.standardError.write(Data("no job \(id) in \(spool.root)\n".utf8))
            throw ExitCode(1)
        }
        if json {
            var document: [String: AnyEncodable] = ["id": AnyEncodable(id), "state": AnyEncodable(state.name)]
            switch state {
            case .pending(let entry, let attempts, let notBefore):
                document["entry"] = AnyEncodable(entry)
                document["attempts"] = AnyEncodable(attempts)
                if let notBefore { document["not_before"] = AnyEncodable(Timestamp.string(notBefore)) }
                let engine = spool.pendingEngine(entry: entry, config: (try? spool.loadConfig()) ?? SpoolConfig())
                if let engine { document["engine"] = AnyEncodable(engine) }
                if let waiting = spool.waitingReason(engine: engine) { document["waiting"] = AnyEncodable(waiting) }
            case .running(let status): document["status"] = AnyEncodable(status)
            case .done(let result): document["result"] = AnyEncodable(result)
            case .failed(let failure): document["error"] = AnyEncodable(failure)
            }
            printJSON(document)
            return
        }
        switch state {
        case .pending(let entry, let attempts, let notBefore):
            var line = "\(id): pending in new/\(entry)"
            if !attempts.isEmpty { line += ", after \(attempts.count) attempt(s)" }
            if let notBefore, notBefore > Date() { line += ", not before \(Timestamp.string(notBefore))" }
            if let last = attempts.last?.error { line += "; last error (\(last.kind.rawValue)): \(last.message)" }
            let engine = spool.pendingEngine(entry: entry, config: (try? spool.loadConfig()) ?? SpoolConfig())
            if let waiting = spool.waitingReason(engine: engine) { line += "; waiting: \(waiting)" }
            print(line)
        case .running(let status):
            guard let status else { print("\(id): being claimed"); return }
            print("\(id): \(status.state.rawValue) on \(status.engine), \(Int(status.progress * 100))%, attempt \(status.attempt)")
        case .done(let result):
            print("\(id): done" + (result.map { " by \($0.engine.name) \($0.engine.version) on \($0.device) in \($0.timings.totalSeconds)s" } ?? ""))
            for output in result?.outputs ?? [] {
                print("  \(spool.path(of: .done, id))/\(output.path)  \(output.format) \(output.sampleRate) Hz \(output.channels) ch \(String(format: "%.3f", output.durationSeconds)) s")
            }
        case .failed(let failure):
            print("\(id): failed" + (failure.map { " (\($0.error.kind.rawValue)) after \($0.attempts) attempt(s): \($0.error.message)" } ?? ""))
        }
    }

    struct HostSupervisor: Encodable {
        var state: SupervisorState
        var running: Bool

        func encode(to encoder: Encoder) throws {
            try state.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(running, forKey: .running)
        }

        enum Key: String, CodingKey { case running }
    }

    struct Overview: Encodable {
        var spool: String
        var counts: [String: Int]
        var running: [JobStatus]
        /// state/supervisor.json as last written, live or not.
        var supervisor: SupervisorState?
        var supervisorRunning: Bool
        /// The live supervisor's engines; empty when none runs.
        var engines: [SupervisorState.Engine]
        /// Every host's supervisor.json, and whether it still runs.
        var supervisors: [HostSupervisor]

        enum CodingKeys: String, CodingKey {
            case spool, counts, running, supervisor, engines, supervisors
            case supervisorRunning = "supervisor_running"
        }
    }
}
