import ArgumentParser
import Basics
import EngineHost
import EngineProtocol
import Foundation
import Spool
import Supervisor

struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit a job and print its id.",
        discussion: """
            Either give a job file (its inputs and text_file are taken from beside it), or
            describe the job with flags:

              audiospool submit job.json
              audiospool submit --engine tone --param seconds=2 --param frequency=440 --format wav
              audiospool submit --engine xtts --text "Hello" --input reference=me.wav
            """)

    @OptionGroup var spool: SpoolOptions
    @OptionGroup var engines: EnginesOptions

    @Argument(help: ArgumentHelp("A job file (JSON).", valueName: "job.json"))
    var jobFile: String?

    @Option(help: "The engine to run.")
    var engine: String?

    @Option(help: "The engine's task (default: the engine's default task).")
    var task: String?

    @Option(help: "Text for the engine.")
    var text: String?

    @Option(name: .customLong("input"), help: ArgumentHelp("An input file, copied into the job (name defaults to \"audio\").", valueName: "[name=]file"))
    var inputs: [String] = []

    @Option(name: .customLong("param"), help: ArgumentHelp("An engine parameter; the value is JSON if it parses as JSON, else a string.", valueName: "key=value"))
    var params: [String] = []

    @Option(help: "Output format: wav, mp3 or flac (default: the spool's, from config.json).")
    var format: String?

    @Option(help: "Output sample format: 16, 24 or 32f (WAV); 16 or 24 (FLAC).")
    var bitDepth: String?

    @Option(help: "0 (lowest) to 9 (highest).")
    var priority: Int?

    @Option(help: "Attempts before the job is failed.")
    var maxAttempts: Int?

    @Option(help: "The job id (default: generated, unique).")
    var id: String?

    func validate() throws {
        if jobFile != nil && engine != nil {
            throw ValidationError("give a job file or --engine, not both")
        }
        if jobFile == nil && engine == nil {
            throw ValidationError("give a job file, or describe the job with --engine")
        }
    }

    func run() throws {
        let (job, files, base) = try jobFile.map(fromFile) ?? fromFlags()
        try checkEngine(job, files: files)
        let spool = spool.resolvedSpool
        try spool.create()
        let id = try chooseID(base: base, spool: spool)
        let data = try JSONEncoder.job.encode(job) + Data("\n".utf8)
        let config = try? spool.loadConfig()
        do {
            try JobCheck.checkWebhook(job, config: config ?? SpoolConfig())
        } catch {
            throw CommandFailure(error.message)
        }
        // config.json's `durable` (default true): synced before it is acknowledged.
        let durable = config?.durable ?? true
        try spool.deliver(job: data, id: id, inputs: files, durable: durable)
        print(id)
    }

    /// A job file's inputs are relative to the file; they travel with it.
    private func fromFile(_ path: String) throws -> (JobSpec, [(name: String, source: String)], String) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("cannot read \(path)")
        }
        let spec: JobSpec
        do {
            spec = try JobSpec.parse(data)
        } catch {
            throw CommandFailure("\(path): \(error.message)")
        }
        let folder = (path as NSString).deletingLastPathComponent
        var files: [(name: String, source: String)] = []
        // A script's lines may bring their own inputs.
        let lineInputs = spec.allLines.flatMap { Array($0.line.inputs.values) }
        for relative in Set(Array(spec.inputs.values) + lineInputs + (spec.textFile.map { [$0] } ?? [])).sorted() {
            let source = folder.isEmpty ? relative : folder + "/" + relative
            guard FileManager.default.isReadableFile(atPath: source) else {
                throw CommandFailure("\(path) names \(relative), which is not readable at \(source)")
            }
            files.append((relative, source))
        }
        let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return (spec, files, base)
    }

    private func fromFlags() throws -> (JobSpec, [(name: String, source: String)], String) {
        var spec = JobSpec(engine: engine!, task: task, text: text, priority: priority, maxAttempts: maxAttempts)
        for param in params {
            guard let equals = param.firstIndex(of: "="), equals != param.startIndex else {
                throw ValidationError("--param must be key=value, got \"\(param)\"")
            }
            spec.params[String(param[..<equals])] = JSONValue.parseLoose(String(param[param.index(after: equals)...]))
        }
        var files: [(name: String, source: String)] = []
        for input in inputs {
            let (name, source) = Self.splitInput(input)
            guard FileManager.default.isReadableFile(atPath: source) else {
                throw CommandFailure("--input \(input): cannot read \(source)")
            }
            let ext = (source as NSString).pathExtension
            let fileName = ext.isEmpty ? name : "\(name).\(ext.lowercased())"
            spec.inputs[name] = fileName
            files.append((fileName, source))
        }
        if format != nil || bitDepth != nil {
            var output: [String: JSONValue] = ["format": .string(format ?? "wav")]
            if let bitDepth { output["bit_depth"] = JSONValue.parseLoose(bitDepth) }
            do {
                spec.outputs = [try OutputSpec.parse(.object(output), path: "output")]
            } catch {
                throw ValidationError(error.message.replacingOccurrences(of: "field \"output.format\"", with: "--format")
                    .replacingOccurrences(of: "field \"output.bit_depth\"", with: "--bit-depth"))
            }
        }
        // The same rules the supervisor applies, so mistakes show here, now.
        do {
            _ = try JobSpec.parse(try JSONEncoder.job.encode(spec))
        } catch let error as DocumentError {
            throw ValidationError(error.message)
        }
        return (spec, files, spec.engine)
    }

    /// `name=path`, or just `path` for the input named "audio". A path may
    /// itself contain "=", so only a plain name before it counts as a name.
    static func splitInput(_ input: String) -> (name: String, path: String) {
        if let equals = input.firstIndex(of: "="),
           input[..<equals].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }), equals != input.startIndex {
            return (String(input[..<equals]), String(input[input.index(after: equals)...]))
        }
        return ("audio", input)
    }

    /// What the supervisor will check against the engine, checked now
    /// (JobCheck: the same check `serve` makes).
    private func checkEngine(_ job: JobSpec, files: [(name: String, source: String)]) throws {
        var text = job.text
        if let file = job.textFile, let source = files.first(where: { $0.name == file })?.source {
            // Unreadable or not UTF-8: the supervisor says so, with its limits.
            guard let data = try? FileSystem.read(source, limit: 4 * SpoolLimits().maxTextCharacters),
                let contents = String(data: data, encoding: .utf8)
            else { return }
            text = contents
        }
        do {
            try JobCheck.check(job, text: text, enginesDirectory: engines.enginesDirectory, required: engines.engines != nil)
        } catch {
            throw CommandFailure(error.message)
        }
    }

    private func chooseID(base: String, spool: Spool) throws -> String {
        guard let id else { return Spool.newJobID(base: base) }
        guard !id.isEmpty, !id.hasPrefix("."), !id.contains("/"), id.utf8.count <= 180 else {
            throw ValidationError("--id must be a file name: no \"/\", not starting with \".\", at most 180 bytes")
        }
        // The id printed must be the job's: refuse what the spool would
        // change (an info suffix such as ":2,S" is cut, control characters
        // become "_").
        let made = Submission.stem(of: id + ".json")
        guard Spool.isJobID(id), made == id else {
            throw ValidationError("--id \"\(id.debugDescription.dropFirst().dropLast())\" would make the job \"\(made)\"; use an id without control characters or a maildir \":2,\" suffix")
        }
        if spool.hasJob(id) { throw CommandFailure("a job with id \(id) already exists in \(spool.root)") }
        return id
    }
}

extension JSONEncoder {
    static var job: JSONEncoder {
        let encoder = JSONEncoder.document()
        return encoder
    }
}
