import ArgumentParser
import Basics
import Foundation
import Glibc
import Logging
import Spool
import Supervisor

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a supervisor: claim jobs from the spool and run them.",
        discussion: "Stops gracefully on SIGTERM: nothing new is claimed, and running jobs finish within shutdown_grace_s or go back to new/. SIGINT (Ctrl-C) returns running jobs to new/ at once.")

    @OptionGroup var spool: SpoolOptions
    @OptionGroup var engines: EnginesOptions

    @Flag(help: "Process everything pending, then exit. Jobs whose not_before is over 60 s away are left in new/, and the log says so.")
    var untilIdle = false

    @Option(help: ArgumentHelp("Declare N fake GPUs (no hardware needed), over config.json's gpus.", valueName: "n"))
    var fakeGpus: Int?

    @Option(help: ArgumentHelp("Engine instances one GPU holds at once, over config.json's gpus.slots_per_gpu.", valueName: "n"))
    var slotsPerGpu: Int?

    @Option(help: ArgumentHelp("This host's name in the spool (owner.json, state/hosts/<host>/, state/leases/<host>/); default: $AUDIOSPOOL_HOST, else the host name. Give each host sharing a spool its own.", valueName: "name"))
    var host: String?

    @Option(help: ArgumentHelp("Take jobs for these engines only (comma-separated, e.g. piper,espeak), leaving the rest in new/ for supervisors that run them; default: $AUDIOSPOOL_ENGINES_ONLY, else every engine.", valueName: "names"))
    var enginesOnly: String?

    /// `--engines-only`, else the environment's; an empty variable means every engine.
    private func engineFilter() throws -> EngineFilter? {
        let (list, source): (String?, String) =
            enginesOnly.map { ($0, "--engines-only") }
            ?? (ProcessInfo.processInfo.environment[EngineFilter.environmentVariable].flatMap { $0.isEmpty ? nil : $0 }, EngineFilter.environmentVariable)
        guard let list else { return nil }
        switch EngineFilter.parse(list) {
        case .success(let filter): return filter
        case .failure(let problem): throw ValidationError("\(source): \(problem)")
        }
    }

    func validate() throws {
        _ = try engineFilter()
        if let host, let problem = HostIdentity.check(name: host) {
            throw ValidationError("--host \"\(host)\" cannot name a host: \(problem)")
        }
        if host == nil, let chosen = ProcessInfo.processInfo.environment[HostIdentity.environmentVariable],
           let problem = HostIdentity.check(name: chosen) {
            throw ValidationError("\(HostIdentity.environmentVariable)=\"\(chosen)\" cannot name a host: \(problem)")
        }
        if let fakeGpus, !(0...64).contains(fakeGpus) {
            throw ValidationError("--fake-gpus must be 0 to 64, got \(fakeGpus)")
        }
        if let slotsPerGpu, !(1...64).contains(slotsPerGpu) {
            throw ValidationError("--slots-per-gpu must be 1 to 64, got \(slotsPerGpu)")
        }
    }

    enum LogFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(help: "text, or json: one JSON object per line.")
    var logFormat: LogFormat = .text

    func run() async throws {
        // A daemon must see EPIPE and EFBIG as errors, not die of SIGPIPE or
        // SIGXFSZ (a file-size limit).
        BrokenPipes.ignore()
        signal(SIGXFSZ, SIG_IGN)
        // Before anything reads HostIdentity.name; engines inherit it too.
        if let host { setenv(HostIdentity.environmentVariable, host, 1) }
        let format = logFormat
        LoggingSystem.bootstrap { label in
            if format == .json { return JSONLogHandler(label: label) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "audiospool")
        var options = Supervisor.Options(spoolDirectory: spool.spoolDirectory, enginesDirectory: engines.enginesDirectory)
        options.untilIdle = untilIdle
        options.fakeGPUs = fakeGpus
        options.slotsPerGPU = slotsPerGpu
        options.version = AudioSpoolVersion.current
        options.enginesOnly = try engineFilter()
        let supervisor = try Supervisor(options: options, logger: logger)
        try await supervisor.serviceGroup().run()
    }
}
