import ArgumentParser
import Basics
import EngineCheck
import EngineHost
import EngineProtocol
import Foundation
import Glibc

extension Engines {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hold an engine to PROTOCOL.md: start it as the supervisor would and report each rule.",
            discussion: """
                Runs one job per task (with generated text and input audio), an unknown task, an
                unknown param, two runs at once, a ping and a cancel mid-run, shutdown mid-run,
                what a host never sends (a run before initialize, no common protocol version, a
                run without work_dir, cancels for ids never sent), and stdin EOF mid-run, with a
                fresh HOME and TMPDIR.
                Exits 1 if any rule fails, so it can run in an engine's own CI.
                """)

        @OptionGroup var engines: EnginesOptions

        @Argument(help: "The engine's folder (holding engine.json).")
        var directory: String

        @Option(help: ArgumentHelp("The params of every run, as a JSON object.", valueName: "json"))
        var params: String?

        @Option(
            name: .customLong("task-params"),
            help: ArgumentHelp("One task's params, over --params: TASK=JSON (repeatable).", valueName: "task=json"))
        var taskParams: [String] = []

        @Option(help: ArgumentHelp(
            "initialize's config, as a spool's engines.<name>.config would pass it: a JSON object, or @FILE holding one.",
            valueName: "json"))
        var config: String?

        @Option(help: "The text of runs of tasks that take text.")
        var text: String?

        @Option(help: ArgumentHelp("The device to give the engine: cpu, or cuda:N for GPU N.", valueName: "device"))
        var device = "cpu"

        @Option(help: ArgumentHelp("Cancel a run of the check that takes longer than this.", valueName: "seconds"))
        var runTimeout = 60.0

        @Option(help: ArgumentHelp("Write the session's messages here, for schemas/validate.py.", valueName: "file"))
        var transcript: String?

        @Flag(help: "Keep the work folders and the engine's log, and print where.")
        var keep = false

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            BrokenPipes.ignore()
            let folder = URL(fileURLWithPath: directory).standardizedFileURL.path
            let manifest: EngineManifest
            do {
                manifest = try EngineManifest.load(directory: folder)
            } catch {
                print("FAIL handshake: \(error.message)")
                throw ExitCode(1)
            }
            var options = EngineCheck.Options()
            // The SDK beside the engine (an installed engine), else the engines folder's.
            let sdk = [(folder as NSString).deletingLastPathComponent + "/sdk", engines.enginesDirectory + "/sdk"]
                .map { URL(fileURLWithPath: $0).standardizedFileURL.path }
                .first { FileManager.default.fileExists(atPath: $0 + "/audiospool_engine.py") }
            options.sdkDirectory = sdk
            options.keepSandbox = keep
            options.runTimeout = runTimeout
            options.device = try Self.parseDevice(device)
            options.transcriptFile = transcript
            if let text { options.text = text }
            if let params { options.params = try Self.parseParams(params) }
            for item in taskParams {
                guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                    throw ValidationError("--task-params must be TASK=JSON, such as tts='{\"voice\": \"en\"}', got \(item)")
                }
                let task = String(item[..<equals])
                guard manifest.tasks[task] != nil else {
                    throw ValidationError("--task-params names task \(task), which engine.json does not have (it has \(manifest.tasks.keys.sorted().joined(separator: ", ")))")
                }
                options.taskParams[task] = try Self.parseParams(String(item[item.index(after: equals)...]), option: "--task-params \(task)")
            }
            if let config { options.config = try Self.parseConfig(config) }
            if !json { options.progress = { line in FileHandle.standardError.write(Data("  … \(line)\n".utf8)) } }
            let report = await EngineCheck(manifest: manifest, options: options).run()
            if json {
                printJSON(report)
            } else {
                print("engine \(report.engine) (\(report.directory))")
                for outcome in report.outcomes {
                    let mark = outcome.status == .passed ? "PASS" : (outcome.status == .failed ? "FAIL" : "SKIP")
                    print("\(mark) \(outcome.rule.rawValue): \(outcome.rule.summary)\(outcome.reason.isEmpty ? "" : "\n     \(outcome.reason)")")
                }
                for warning in report.warnings { print("WARN \(warning)") }
                let passed = report.outcomes.filter { $0.status == .passed }.count
                print("\(passed) of \(report.outcomes.count) rules passed")
            }
            if !report.passed { throw ExitCode(1) }
        }

        static func parseDevice(_ text: String) throws -> Device {
            if text == "cpu" { return .cpu }
            if text.hasPrefix("cuda:"), let index = Int(text.dropFirst(5)), index >= 0 { return Device(kind: .cuda, index: index) }
            throw ValidationError("--device must be cpu or cuda:N (such as cuda:0), got \(text)")
        }

        static func parseParams(_ text: String, option: String = "--params") throws -> [String: JSONValue] {
            do {
                return try JSONDecoder().decode([String: JSONValue].self, from: Data(text.utf8))
            } catch {
                throw ValidationError("\(option) must be a JSON object, such as '{\"voice\": \"en\"}', got \(text)")
            }
        }

        static func parseConfig(_ text: String) throws -> [String: JSONValue] {
            guard text.hasPrefix("@") else { return try parseParams(text, option: "--config") }
            let path = String(text.dropFirst())
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("--config: cannot read \(path)") }
            do {
                return try JSONDecoder().decode([String: JSONValue].self, from: data)
            } catch {
                throw ValidationError("--config: \(path) must hold a JSON object: \(error.localizedDescription)")
            }
        }
    }
}
