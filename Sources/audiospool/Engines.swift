import ArgumentParser
import Basics
import EngineHost
import EngineProtocol
import Glibc
import Foundation
import Spool
import SystemPackage

struct Engines: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the installed engines, set up or lock their environments, check or make one.",
        subcommands: [List.self, Voices.self, Setup.self, Lock.self, Check.self, New.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the engines of the engines folder.")

        @OptionGroup var engines: EnginesOptions
        @OptionGroup var spool: SpoolOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let registry = EngineRegistry.load(directory: try engines.existingEnginesDirectory())
            let running = spool.resolvedSpool.liveEngines()
            let rows = registry.names.map { EngineSummary(name: $0, registry: registry, running: running[$0]) }
            if json {
                printJSON(rows)
                return
            }
            printTable(
                header: ["ENGINE", "VERSION", "TASKS", "DEVICE", "STATE", "VOICES", "ENVIRONMENT"],
                rows: rows.map { row in
                    guard row.problem == nil else { return [row.name, "-", "-", "-", "broken", "-", "broken: \(row.problem!)"] }
                    return [row.name, row.version ?? "-", row.tasks.joined(separator: ", "), row.device ?? "-", row.state,
                            row.voices.map { $0.isEmpty ? "-" : $0.joined(separator: ", ") } ?? "?", row.environment]
                })
        }
    }

    struct Voices: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start engines and list the voices their handshake reports.",
            discussion: "Starting an engine loads its model; the first run of an engine with a setup also makes its environment.")

        @OptionGroup var engines: EnginesOptions
        /// The spool whose voice bank the engines are given (SPOOL.md, "Voices").
        @OptionGroup var spool: SpoolOptions

        @Argument(help: "Engines to ask (default: all).")
        var names: [String] = []

        @Flag(help: "Print JSON.")
        var json = false

        /// The spool, when there is one: given with --spool (or AUDIOSPOOL_SPOOL), or ./spool if it exists.
        func bankSpool() throws -> Spool? {
            if spool.spool != nil || ProcessInfo.processInfo.environment["AUDIOSPOOL_SPOOL"] != nil { _ = try spool.existingSpool() }
            let path = spool.spoolDirectory
            let found = Spool(root: path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path)
            return found.exists ? found : nil
        }

        func run() async throws {
            BrokenPipes.ignore()
            let registry = EngineRegistry.load(directory: try engines.existingEnginesDirectory())
            var found: [String: [Voice]] = [:]
            var failed = false
            for name in names.isEmpty ? registry.names : names {
                guard let manifest = registry[name] else {
                    FileHandle.standardError.write(Data("\(name): \(registry.explainMissing(name))\n".utf8))
                    failed = true
                    continue
                }
                var options = EngineProcess.Options()
                options.sdkDirectory = registry.directory + "/sdk"
                if let spool = try bankSpool() {
                    // As the supervisor would start it: the spool's config for it, and its voice bank.
                    options.config = try spool.loadConfig().section(EngineSettings.self).engines[name]?.config ?? [:]
                    options.voiceBank = spool.voiceBank.folder(engine: name)
                }
                let process = EngineProcess(manifest: manifest, options: options)
                do {
                    found[name] = try await process.start().voices ?? []
                } catch {
                    FileHandle.standardError.write(Data("\(name): \(error.message)\n".utf8))
                    failed = true
                }
                await process.shutdown()
            }
            if json {
                printJSON(found)
            } else {
                let rows = found.keys.sorted().flatMap { engine in
                    found[engine]!.map { voice in
                        [engine, voice.id, voice.language ?? "-", voice.sampleRate.map(String.init) ?? "-",
                         voice.speakers.map { $0.joined(separator: ", ") } ?? "-"]
                    }
                }
                printTable(header: ["ENGINE", "VOICE", "LANGUAGE", "RATE", "SPEAKERS"], rows: rows)
            }
            if failed { throw ExitCode(1) }
        }
    }

    struct Setup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the engines' own environments (all, or those named).",
            discussion: "From each engine's lock, checked against it; quick when nothing changed. A supervisor also does this on an engine's first start.")

        @OptionGroup var engines: EnginesOptions

        @Argument(help: "Engines to set up (default: all).")
        var names: [String] = []

        func run() async throws {
            let registry = EngineRegistry.load(directory: try engines.existingEnginesDirectory())
            var failed = false
            for name in names.isEmpty ? registry.names : names {
                guard let manifest = registry[name] else {
                    print("\(name): \(registry.explainMissing(name))")
                    failed = true
                    continue
                }
                guard let environment = EngineEnvironment(manifest: manifest) else {
                    print("\(name): nothing to set up")
                    continue
                }
                do {
                    if !environment.isReady { print("\(name): setting up \(environment.directory)") }
                    try await environment.prepare(log: .standardError)
                    print("\(name): ready (\(environment.directory))")
                } catch {
                    print("\(name): \(error.message)")
                    failed = true
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}

/// One engine, as `engines` lists it.
struct EngineSummary: Encodable {
    var name: String
    var version: String?
    var description: String?
    var tasks: [String]
    var defaultTask: String?
    var device: String?
    var maxInstances: Int?
    var environment: String
    var problem: String?
    /// From state/supervisor.json while a supervisor runs: `idle`, `busy`, …; else `not running`.
    var state = "not running"
    /// The voices its running instance reported; nil when none runs (`engines voices` starts one).
    var voices: [String]?

    init(name: String, registry: EngineRegistry, running: SupervisorState.Engine? = nil) {
        self.name = name
        if let running {
            state = running.state
            voices = running.voices
        }
        guard let manifest = registry[name] else {
            tasks = []
            environment = "-"
            problem = registry.problems[name]
            return
        }
        version = manifest.version
        description = manifest.description
        tasks = manifest.tasks.keys.sorted()
        defaultTask = manifest.defaultTask
        device = manifest.device.rawValue
        maxInstances = manifest.maxInstances
        if let setup = EngineEnvironment(manifest: manifest) {
            environment = setup.isReady ? "ready" : "not set up (audiospool engines setup \(name))"
        } else {
            environment = "-"
        }
    }

    enum CodingKeys: String, CodingKey {
        case name, version, description, tasks, device, environment, problem, state, voices
        case defaultTask = "default_task"
        case maxInstances = "max_instances"
    }
}
