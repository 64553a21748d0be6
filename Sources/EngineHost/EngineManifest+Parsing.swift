import Basics
import EngineProtocol
import Foundation

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
            maxCPUInstances: 1, maxGPUInstances: 0,
            timeouts: Timeouts(), environment: try reader.stringMap("env") ?? [:])
        if var setup = try reader.object("setup") {
            let requirements = try setup.requiredString("python_requirements")
            let lock = try setup.string("python_lock")
            for (field, file) in [("python_requirements", requirements), ("python_lock", lock ?? "")]
            where file.hasPrefix("/") || file.split(separator: "/").contains("..") {
                throw DocumentError("field \"setup.\(field)\" must be a file in the engine's folder, not \"\(file)\"")
            }
            try setup.rejectUnknownFields()
            manifest.setup = Setup(pythonRequirements: requirements, pythonLock: lock)
        }
        if let device = try reader.string("device") {
            guard let preference = DevicePreference(rawValue: device) else {
                throw DocumentError("field \"device\" must be cpu, gpu or gpu-preferred, got \"\(device)\"")
            }
            manifest.device = preference
        }
        // CPU engines default to one instance per core; GPU engines to one
        // per device they may use.
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        switch manifest.device {
        case .cpu: (manifest.maxCPUInstances, manifest.maxGPUInstances) = (cores, 0)
        case .gpu: (manifest.maxCPUInstances, manifest.maxGPUInstances) = (0, 1)
        case .gpuPreferred: (manifest.maxCPUInstances, manifest.maxGPUInstances) = (1, 1)
        }
        manifest.maxInstances = manifest.maxCPUInstances + manifest.maxGPUInstances
        if var instances = try reader.object("instances") {
            if instances.fields["max"] == .string("cores") {
                _ = instances.value("max")
                manifest.maxInstances = cores
            } else if let max = try instances.int("max", in: 1...1024) {
                manifest.maxInstances = max
            }
            if manifest.device != .gpu, let value = try instances.int("cpu", in: 0...1024) { manifest.maxCPUInstances = value }
            if manifest.device != .cpu, let value = try instances.int("gpu", in: 0...1024) { manifest.maxGPUInstances = value }
            try instances.rejectUnknownFields()
        }
        if manifest.device == .cpu { manifest.maxCPUInstances = max(manifest.maxCPUInstances, manifest.maxInstances) }
        if var gpu = try reader.object("gpu") {
            guard manifest.device != .cpu else {
                throw DocumentError("field \"gpu\" needs \"device\" gpu or gpu-preferred, but the engine's device is cpu")
            }
            if let slots = try gpu.int("slots", in: 1...64) { manifest.gpu.slots = slots }
            manifest.gpu.memoryMB = try gpu.int("memory_mb", in: 1...(1 << 24))
            try gpu.rejectUnknownFields()
        }
        manifest.keepAliveSeconds = try reader.double("keep_alive_s", in: -1...(365 * 86400.0))
        if var timeouts = try reader.object("timeouts") {
            let range = 0.01...(7 * 86400.0)
            if let value = try timeouts.double("start_s", in: range) { manifest.timeouts.startSeconds = value }
            if let value = try timeouts.double("run_s", in: range) { manifest.timeouts.runSeconds = value }
            if let value = try timeouts.double("stall_s", in: range) { manifest.timeouts.stallSeconds = value }
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
                guard !HostInputNames.all.contains(input) else {
                    throw DocumentError("field \"\(reader.name("inputs")).\(input)\": the input \"\(input)\" is the host's (a job's cover picture); give the engine's input another name")
                }
                spec.inputs[input] = requirement
            }
        }
        switch reader.value("segment") {
        case nil, .bool(false)?:
            break
        case .bool(true)?:
            spec.segmentation = Segmentation()
        case .object(let fields)?:
            var segment = JSONObjectReader(fields, path: reader.name("segment"))
            var segmentation = Segmentation()
            if let value = try segment.int("max_chars", in: 20...100_000) { segmentation.maxCharacters = value }
            if let value = try segment.int("sentence_pause_ms", in: 0...10_000) { segmentation.sentencePauseMilliseconds = value }
            if let value = try segment.int("paragraph_pause_ms", in: 0...10_000) { segmentation.paragraphPauseMilliseconds = value }
            try segment.rejectUnknownFields()
            spec.segmentation = segmentation
        case let other?:
            throw reader.mismatch("segment", "true or an object such as {\"max_chars\": 400}", other)
        }
        if let params = try reader.stringArray("params") {
            for name in params where name.isEmpty || name.utf8.count > 64 {
                throw DocumentError("field \"\(reader.name("params"))\" must list parameter names (1 to 64 bytes), got \"\(name)\"")
            }
            spec.params = Set(params)
        }
        if spec.segmentation != nil && spec.text == .none {
            throw DocumentError("field \"\(reader.name("segment"))\" needs a task that takes text")
        }
        try reader.rejectUnknownFields()
        return spec
    }
}
