import Basics
import EngineHost
import EngineProtocol
import Foundation
import Spool

/// `audiospool engines check`: starts an engine as the supervisor would and
/// holds it to PROTOCOL.md with a scripted exchange, rule by rule
/// (CheckRule). The engine runs with a fresh HOME and TMPDIR, so that files
/// it leaves outside its work folder show.
public struct EngineCheck: Sendable {
    public struct Options: Sendable {
        /// Put on PYTHONPATH, as the supervisor does (the engines folder's `sdk/`).
        public var sdkDirectory: String?
        public var environmentsRoot = EngineEnvironment.defaultRoot
        /// The `params` of every run: engines must work with their defaults, or be given some here.
        public var params: [String: JSONValue] = [:]
        /// Each task's params, over `params` (`--task-params TASK=JSON`).
        public var taskParams: [String: [String: JSONValue]] = [:]
        /// `initialize`'s `config`: what a spool's `engines.<name>.config` would pass (model paths, a hub cache).
        public var config: [String: JSONValue] = [:]
        public var text = CheckJobs.defaultText
        /// The device of `initialize`. A GPU also gets `CUDA_VISIBLE_DEVICES`
        /// (its index, or uuid when known) and `CUDA_DEVICE_ORDER`, as the
        /// supervisor sets them (PROTOCOL.md, "Devices").
        public var device = Device.cpu
        /// The longest a run of the check may take before it is cancelled.
        public var runTimeout = 60.0
        /// Where to write the main session's lines, in `schemas/validate.py`'s
        /// transcript format (`> ` host → engine, `< ` engine → host).
        public var transcriptFile: String?
        /// Keeps the sandbox (work folders, the engine's log) for a look afterwards.
        public var keepSandbox = false
        /// Called with a line about each step, for people watching.
        public var progress: (@Sendable (String) -> Void)?

        public init() {}
    }

    public let manifest: EngineManifest
    public let options: Options

    public init(manifest: EngineManifest, options: Options = Options()) {
        self.manifest = manifest
        self.options = options
    }

    public func run() async -> CheckReport {
        var findings = Findings()
        let before = FolderSnapshot(manifest.directory)
        let sandbox: Sandbox
        do {
            sandbox = try Sandbox.make()
        } catch {
            for rule in CheckRule.allCases { findings.skip(rule, because: "cannot make a sandbox: \(error)") }
            return report(findings)
        }
        defer { if !options.keepSandbox { sandbox.remove() } }
        var jobs = CheckJobs(manifest: manifest, sandbox: sandbox, params: options.params, text: options.text)
        jobs.taskParams = options.taskParams

        let startup = await mainSession(jobs, sandbox: sandbox, findings: &findings)
        if !findings.failed(.handshake) {
            // An engine reading stdin answers a probe at once: allow twice its start, within timeouts.start_s.
            let probeTimeout = min(manifest.timeouts.startSeconds, max(5, 2 * startup))
            await probeSession(jobs, sandbox: sandbox, timeout: probeTimeout, findings: &findings)
            await eofSession(jobs, sandbox: sandbox, probeTimeout: probeTimeout, findings: &findings)
        }

        let changed = FolderSnapshot(manifest.directory).changes(since: before)
        for path in changed.prefix(5) { findings.fail(.workFolderOnly, "the engine's folder changed: \(path)") }
        for path in sandbox.strayFiles().prefix(5) { findings.fail(.workFolderOnly, "stray file outside the work folder: \(path)") }
        findings.note(.workFolderOnly, "nothing new in $HOME, $TMPDIR, the engine's folder or beside the work folders")
        if options.keepSandbox { options.progress?("sandbox kept: \(sandbox.root)") }
        return report(findings)
    }

    private func report(_ findings: Findings) -> CheckReport {
        CheckReport(engine: manifest.name, directory: manifest.directory, outcomes: findings.outcomes(), warnings: warnings)
    }

    public var warnings: [String] {
        var warnings: [String] = []
        if let setup = manifest.setup, setup.pythonLock == nil {
            warnings.append(
                "setup names \(setup.pythonRequirements) but no python_lock: each new host installs whatever versions PyPI has that day; "
                    + "add \"python_lock\": \"requirements.lock\" to setup and run `audiospool engines lock \(manifest.name)`")
        }
        let timeouts = manifest.timeouts
        if timeouts.shutdownSeconds < timeouts.cancelSeconds {
            // A run in flight at shutdown is stopped as for a cancel (PROTOCOL.md, "ping and shutdown").
            warnings.append(
                "timeouts.shutdown_s (\(timeouts.shutdownSeconds)) is shorter than cancel_s (\(timeouts.cancelSeconds)): an engine that takes "
                    + "its cancel_s to stop a run is killed at shutdown before it has answered it; make shutdown_s at least cancel_s")
        }
        return warnings
    }

    func makeProcess(_ transcript: Transcript, sandbox: Sandbox) -> EngineProcess {
        var processOptions = EngineProcess.Options(logFile: sandbox.log)
        processOptions.sdkDirectory = options.sdkDirectory
        processOptions.environmentsRoot = options.environmentsRoot
        processOptions.cpuThreads = 1
        processOptions.config = options.config
        processOptions.environment = ["HOME": sandbox.home, "TMPDIR": sandbox.temporary]
        if options.device.kind == .cuda {
            processOptions.environment["CUDA_VISIBLE_DEVICES"] = options.device.uuid ?? options.device.index.map(String.init) ?? "0"
            processOptions.environment["CUDA_DEVICE_ORDER"] = "PCI_BUS_ID"
        }
        processOptions.transcript = { transcript.record($0, $1) }
        return EngineProcess(manifest: manifest, device: options.device, options: processOptions)
    }

    /// Handshake, a run per task, an unknown task, an unknown param, two
    /// runs at once, a ping and a cancel during a run, a ping, then
    /// `shutdown` with a run in flight and stdin left open.
    /// Returns how long the engine took to start, in seconds.
    @discardableResult
    private func mainSession(_ jobs: CheckJobs, sandbox: Sandbox, findings: inout Findings) async -> Double {
        let transcript = Transcript()
        let process = makeProcess(transcript, sandbox: sandbox)
        options.progress?("starting \(manifest.name): \(manifest.command.joined(separator: " "))")
        let info: EngineInfo
        let started = ContinuousClock.now
        do {
            info = try await process.start()
            checkHandshake(info, findings: &findings)
        } catch {
            findings.fail(.handshake, error.message + logTail(sandbox))
            await process.shutdown()
            await finish(transcript, process, findings: &findings, skipping: CheckRule.allCases.filter { $0 != .handshake && $0 != .protocolOnly })
            return 0
        }
        let startup = ContinuousClock.now - started
        var steps = CheckSteps(check: self, process: process, jobs: jobs, transcript: transcript)
        await steps.runEveryTask(findings: &findings)
        await steps.runUnknownTask(findings: &findings)
        await steps.badParams(findings: &findings)
        await steps.concurrentRuns(concurrency: info.concurrency ?? 1, findings: &findings)
        await steps.cancelARun(findings: &findings)
        await steps.ping(findings: &findings)
        let shutdownRules: [CheckRule] = [.exitOnShutdown, .shutdownAnswersRuns]
        if let killed = await process.killReason {
            for rule in shutdownRules { findings.skip(rule, because: "not checked: the engine was killed earlier, because \(killed)") }
        } else if await process.state == .exited {
            let reason = await process.exitReason ?? "?"
            for rule in shutdownRules { findings.skip(rule, because: "not checked: the engine had already exited (\(reason))") }
        } else {
            await steps.shutdownWithARunInFlight(findings: &findings)
        }
        await finish(transcript, process, findings: &findings, skipping: [])
        // Written to a hidden name and renamed, as every file others read.
        if let file = options.transcriptFile { try? FileSystem.writeAtomically(Data(transcript.text.utf8), to: file) }
        return Double(startup.components.seconds) + Double(startup.components.attoseconds) / 1e18
    }

    /// Reads the transcript for the rules it shows.
    /// `attributingKill: false` where the step that provoked a kill has
    /// reported it under its own rule.
    func finish(
        _ transcript: Transcript, _ process: EngineProcess, findings: inout Findings, skipping: [CheckRule], complete: Bool = true,
        attributingKill: Bool = true
    ) async {
        for rule in skipping { findings.skip(rule, because: "not checked: the handshake failed") }
        let killed = await process.killReason
        transcript.analyse(into: &findings, complete: complete && killed == nil)
        if let killed, attributingKill { Self.attribute(killed, into: &findings) }
    }

    /// Puts the host's reason for killing the engine under the rule it broke.
    /// Exhaustive, so a new reason must be given its rule here.
    static func attribute(_ reason: KillReason, into findings: inout Findings) {
        guard let rule = rule(brokenBy: reason) else { return }
        findings.fail(rule, "killed because \(reason)")
    }

    /// The rule a kill reason breaks, or nil where the step that provoked
    /// the kill (the handshake, a cancel, shutdown, stdin EOF, a deadline)
    /// reports it under its own rule with more context.
    static func rule(brokenBy reason: KillReason) -> CheckRule? {
        switch reason {
        case .lineTooLong, .notJSONRPC, .neitherResponseNorNotification: .protocolOnly
        case .unknownResponseID: .oneResponse
        case .unsupportedProtocolVersion, .ignoredCancel, .ignoredShutdown, .ignoredStdinEOF, .deadline, .unansweredPing,
            .closedStdoutWithoutExiting, .killedBeforeStart:
            nil
        }
    }

    private func checkHandshake(_ info: EngineInfo, findings: inout Findings) {
        if info.name != manifest.name {
            findings.fail(.handshake, "the handshake names the engine \"\(info.name)\", but its folder is \"\(manifest.name)\"")
        }
        if info.version.isEmpty { findings.fail(.handshake, "engine.version is empty") }
        if !info.version.isEmpty, info.version != manifest.version {
            // One version per engine: the manifest's (result.json, the idempotency key).
            findings.note(.handshake, "the handshake says version \(info.version), engine.json \(manifest.version); jobs record engine.json's")
        }
        for task in manifest.tasks.keys.sorted() where !info.tasks.contains(task) {
            findings.fail(.handshake, "engine.json declares task \"\(task)\", but the handshake's tasks \(info.tasks) leave it out")
        }
        if let concurrency = info.concurrency, concurrency < 1 {
            findings.fail(.handshake, "concurrency is \(concurrency); it must be at least 1")
        }
        findings.note(.handshake, "\(info.name) \(info.version), tasks \(info.tasks.joined(separator: ", ")), concurrency \(info.concurrency ?? 1)")
    }

    func logTail(_ sandbox: Sandbox) -> String {
        guard let text = try? String(contentsOfFile: sandbox.log, encoding: .utf8) else { return "" }
        let tail = text.split(separator: "\n").suffix(4).joined(separator: " / ")
        return tail.isEmpty ? "" : " (its stderr ends: \(tail.prefix(400)))"
    }
}
