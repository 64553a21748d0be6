import EngineProtocol
import Foundation

/// An engine's `engine.json`: how to start it and what it accepts, known
/// without starting it (PROTOCOL.md, "The manifest").
public struct EngineManifest: Sendable, Equatable {
    /// The engine's name: its folder's name.
    public var name: String
    public var version: String
    public var description: String
    /// The engine's folder (absolute); the command runs there.
    public var directory: String
    /// Program and arguments. A program with a "/" is relative to the
    /// engine's folder; a bare name is looked up in PATH.
    public var command: [String]
    public var tasks: [String: TaskSpec]
    /// The task of jobs that name none; nil if the engine has several
    /// tasks and no `default_task`.
    public var defaultTask: String?
    public var device: DevicePreference
    /// The most instances to run at once (the spool config may lower or raise it).
    public var maxInstances: Int
    public var timeouts: Timeouts
    /// Extra environment variables for the engine.
    public var environment: [String: String]
    /// How to prepare the engine's own environment before it can start.
    public var setup: Setup?
    /// If set, every input is decoded (from WAV, FLAC, OGG or MP3) to a WAV
    /// of this shape before the engine sees it.
    public var inputAudio: InputAudio?

    public struct InputAudio: Sendable, Equatable {
        /// nil keeps the input's rate.
        public var sampleRate: Int?
        /// 1 or 2; nil keeps the input's channels.
        public var channels: Int?
        /// "16", "24" or "32f".
        public var bitDepth: String

        public init(sampleRate: Int? = nil, channels: Int? = nil, bitDepth: String = "16") {
            self.sampleRate = sampleRate
            self.channels = channels
            self.bitDepth = bitDepth
        }
    }

    /// An engine's environment, made once per host and kept outside the
    /// engine's folder (EngineEnvironment).
    public struct Setup: Sendable, Equatable {
        /// A pip requirements file, relative to the engine's folder: the
        /// engine runs in a virtual environment made from it, and a
        /// `python3` or `python` command runs that environment's Python.
        public var pythonRequirements: String

        public init(pythonRequirements: String) {
            self.pythonRequirements = pythonRequirements
        }
    }

    public enum DevicePreference: String, Sendable, Equatable, CaseIterable {
        case cpu
        case gpu
        case gpuPreferred = "gpu-preferred"
    }

    /// What a task takes.
    public struct TaskSpec: Sendable, Equatable {
        public var description: String?
        public var text: Requirement
        /// Input name → whether it must be given.
        public var inputs: [String: Requirement]

        public init(description: String? = nil, text: Requirement = .none, inputs: [String: Requirement] = [:]) {
            self.description = description
            self.text = text
            self.inputs = inputs
        }
    }

    public enum Requirement: String, Sendable, Equatable {
        case none, optional, required
    }

    public struct Timeouts: Sendable, Equatable {
        /// From spawn to the `initialize` answer (model loading included).
        public var startSeconds = 60.0
        /// The longest one `run` may take.
        public var runSeconds = 3600.0
        /// From `shutdown` (or stdin EOF) to exit, before it is killed.
        public var shutdownSeconds = 5.0
        /// From `cancel` to the answer, before the instance is killed.
        public var cancelSeconds = 5.0

        public init() {}
    }
}

extension EngineManifest {
    public static let fileName = "engine.json"

    /// Reads `<directory>/engine.json`.
    public static func load(directory: String) throws(DocumentError) -> EngineManifest {
        let file = directory + "/" + fileName
        guard let data = FileManager.default.contents(atPath: file) else {
            throw DocumentError("\(file): cannot be read")
        }
        do {
            return try parse(data, directory: directory)
        } catch {
            throw DocumentError("\(file): \(error.message)")
        }
    }

    public static func parse(_ data: Data, directory: String) throws(DocumentError) -> EngineManifest {
        let folderName = String(directory.split(separator: "/").last ?? "")
        var reader = try JSONObjectReader.parse(data, what: "engine.json")
        let name = try reader.string("name") ?? folderName
        guard name == folderName else {
            throw DocumentError("field \"name\" is \"\(name)\" but the engine's folder is \"\(folderName)\"; they must match")
        }
        if let version = try reader.int("protocol", in: 1...1000), !ProtocolVersion.supported.contains(version) {
            throw DocumentError("protocol \(version) is not supported by this host (it speaks \(ProtocolVersion.supported))")
        }
        let command = try reader.stringArray("command") ?? []
        guard let program = command.first, !program.isEmpty else {
            throw DocumentError("field \"command\" must list the program and its arguments, such as [\"python3\", \"engine.py\"]")
        }
        guard var taskReader = try reader.object("tasks"), !taskReader.fields.isEmpty else {
            throw DocumentError("field \"tasks\" must name at least one task, such as {\"tts\": {\"text\": \"required\"}}")
        }
        var tasks: [String: TaskSpec] = [:]
        for task in taskReader.fields.keys.sorted() {
            guard let spec = try taskReader.object(task) else { throw taskReader.mismatch(task, "an object", .null) }
            tasks[task] = try parseTask(spec)
        }
        let defaultTask = try reader.string("default_task") ?? (tasks.count == 1 ? tasks.keys.first : nil)
        if let defaultTask, tasks[defaultTask] == nil {
            throw DocumentError("field \"default_task\" is \"\(defaultTask)\", which is not one of its tasks")
        }
        var manifest = EngineManifest(
            name: name, version: try reader.string("version") ?? "0", description: try reader.string("description") ?? "",
            directory: directory, command: command, tasks: tasks, defaultTask: defaultTask, device: .cpu, maxInstances: 1,
            timeouts: Timeouts(), environment: try reader.stringMap("env") ?? [:])
        if var setup = try reader.object("setup") {
            let requirements = try setup.requiredString("python_requirements")
            guard !requirements.hasPrefix("/"), !requirements.split(separator: "/").contains("..") else {
                throw DocumentError("field \"setup.python_requirements\" must be a file in the engine's folder, not \"\(requirements)\"")
            }
            try setup.rejectUnknownFields()
            manifest.setup = Setup(pythonRequirements: requirements)
        }
        if let device = try reader.string("device") {
            guard let preference = DevicePreference(rawValue: device) else {
                throw DocumentError("field \"device\" must be cpu, gpu or gpu-preferred, got \"\(device)\"")
            }
            manifest.device = preference
        }
        if var instances = try reader.object("instances") {
            manifest.maxInstances = try instances.int("max", in: 1...1024) ?? 1
            try instances.rejectUnknownFields()
        }
        if var timeouts = try reader.object("timeouts") {
            let range = 0.01...(7 * 86400.0)
            if let value = try timeouts.double("start_s", in: range) { manifest.timeouts.startSeconds = value }
            if let value = try timeouts.double("run_s", in: range) { manifest.timeouts.runSeconds = value }
            if let value = try timeouts.double("shutdown_s", in: range) { manifest.timeouts.shutdownSeconds = value }
            if let value = try timeouts.double("cancel_s", in: range) { manifest.timeouts.cancelSeconds = value }
            try timeouts.rejectUnknownFields()
        }
        if var audio = try reader.object("input_audio") {
            var input = InputAudio()
            input.sampleRate = try audio.int("sample_rate", in: 8000...384_000)
            input.channels = try audio.int("channels", in: 1...2)
            if let depth = audio.value("bit_depth") {
                let text = depth.intValue.map(String.init) ?? depth.stringValue ?? ""
                guard ["16", "24", "32f"].contains(text) else {
                    throw DocumentError("field \"input_audio.bit_depth\" must be 16, 24 or \"32f\", got \(text)")
                }
                input.bitDepth = text
            }
            try audio.rejectUnknownFields()
            manifest.inputAudio = input
        }
        try reader.rejectUnknownFields()
        return manifest
    }

    private static func parseTask(_ reader: JSONObjectReader) throws(DocumentError) -> TaskSpec {
        var reader = reader
        var spec = TaskSpec(description: try reader.string("description"))
        if let text = try reader.string("text") {
            guard let requirement = Requirement(rawValue: text) else {
                throw DocumentError("field \"\(reader.name("text"))\" must be none, optional or required, got \"\(text)\"")
            }
            spec.text = requirement
        }
        if let inputs = try reader.stringMap("inputs") {
            for (input, value) in inputs {
                guard let requirement = Requirement(rawValue: value), requirement != .none else {
                    throw DocumentError("field \"\(reader.name("inputs")).\(input)\" must be optional or required, got \"\(value)\"")
                }
                spec.inputs[input] = requirement
            }
        }
        try reader.rejectUnknownFields()
        return spec
    }
}
