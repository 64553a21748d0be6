import Basics

/// `initialize` params: everything an engine needs to load its model.
public struct InitializeParams: Codable, Sendable, Equatable {
    /// The versions the host speaks, newest first; the engine picks one.
    public var protocolVersions: [Int]
    /// The engine's name as the host knows it (its folder name).
    public var engine: String
    /// Where the engine must run.
    public var device: Device
    /// Operator settings for this engine, from the spool config, passed through.
    public var config: [String: JSONValue]
    /// How many CPU threads this instance should use: the host's cores
    /// shared among the instances it may run, so they do not fight.
    public var cpuThreads: Int
    /// The spool's saved voices for this engine (`voices/<engine>/`, which
    /// may not exist yet): the one folder outside its work folder an engine
    /// may read, and write a voice's derived files into. nil without a spool.
    public var voiceBank: String?

    public init(
        protocolVersions: [Int] = ProtocolVersion.supported, engine: String, device: Device = .cpu,
        config: [String: JSONValue] = [:], cpuThreads: Int = 1, voiceBank: String? = nil
    ) {
        self.protocolVersions = protocolVersions
        self.engine = engine
        self.device = device
        self.config = config
        self.cpuThreads = cpuThreads
        self.voiceBank = voiceBank
    }

    enum CodingKeys: String, CodingKey {
        case protocolVersions = "protocol_versions"
        case cpuThreads = "cpu_threads"
        case voiceBank = "voice_bank"
        case engine, device, config
    }
}

/// A device assignment. GPU instances also get `CUDA_VISIBLE_DEVICES` set to
/// `uuid` in their environment, so `cuda:0` inside the engine is this GPU.
public struct Device: Codable, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Codable, Sendable { case cpu, cuda }
    public var kind: Kind
    /// The host's index of the GPU (nvidia-smi order); nil on CPU.
    public var index: Int?
    /// The GPU's UUID; nil on CPU.
    public var uuid: String?

    public init(kind: Kind, index: Int? = nil, uuid: String? = nil) {
        self.kind = kind
        self.index = index
        self.uuid = uuid
    }

    public static let cpu = Device(kind: .cpu)

    public var description: String {
        switch kind {
        case .cpu: "cpu"
        case .cuda: "cuda:\(index.map(String.init) ?? "?")"
        }
    }
}

/// `initialize` result: who the engine is and what it can do.
public struct InitializeResult: Codable, Sendable, Equatable {
    /// The version the engine chose from `protocol_versions`.
    public var protocolVersion: Int
    public var engine: EngineInfo

    public init(protocolVersion: Int = ProtocolVersion.current, engine: EngineInfo) {
        self.protocolVersion = protocolVersion
        self.engine = engine
    }

    enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol_version"
        case engine
    }
}

public struct EngineInfo: Codable, Sendable, Equatable {
    public var name: String
    public var version: String
    public var tasks: [String]
    public var voices: [Voice]?
    /// Sample rates the engine produces.
    public var sampleRates: [Int]?
    /// How many `run` requests one instance handles at once (default 1).
    public var concurrency: Int?

    public init(
        name: String, version: String, tasks: [String], voices: [Voice]? = nil, sampleRates: [Int]? = nil,
        concurrency: Int? = nil
    ) {
        self.name = name
        self.version = version
        self.tasks = tasks
        self.voices = voices
        self.sampleRates = sampleRates
        self.concurrency = concurrency
    }

    enum CodingKeys: String, CodingKey {
        case name, version, tasks, voices, concurrency
        case sampleRates = "sample_rates"
    }
}

public struct Voice: Codable, Sendable, Equatable {
    public var id: String
    public var language: String?
    public var sampleRate: Int?
    public var speakers: [String]?

    public init(id: String, language: String? = nil, sampleRate: Int? = nil, speakers: [String]? = nil) {
        self.id = id
        self.language = language
        self.sampleRate = sampleRate
        self.speakers = speakers
    }

    enum CodingKeys: String, CodingKey {
        case id, language, speakers
        case sampleRate = "sample_rate"
    }
}
