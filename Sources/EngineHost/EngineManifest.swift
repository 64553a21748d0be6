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
    /// The most instances to run at once (the spool config may lower or
    /// raise it); `"cores"` in the manifest means one per CPU core.
    public var maxInstances: Int
    /// Per-device limits within `maxInstances`: CPU instances (0 for `gpu`
    /// engines) and GPU instances (0 for `cpu` engines).
    public var maxCPUInstances: Int
    public var maxGPUInstances: Int
    /// What one GPU instance needs (PROTOCOL.md, "Devices").
    public var gpu = GPUNeed()
    /// Seconds an idle instance stays loaded before it is shut down; nil
    /// leaves it to the spool config's `keep_alive_s`, negative keeps it forever.
    public var keepAliveSeconds: Double?
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
        /// The requirements made exact (`audiospool engines lock`): every
        /// package at one version with its hashes. When set, the environment
        /// is installed from it, named by its hash, and held to it.
        public var pythonLock: String?

        public init(pythonRequirements: String, pythonLock: String? = nil) {
            self.pythonRequirements = pythonRequirements
            self.pythonLock = pythonLock
        }
    }

    public struct GPUNeed: Sendable, Equatable {
        /// Slots taken on one GPU.
        public var slots = 1
        /// GPU memory needed, in MiB; nil fits anywhere.
        public var memoryMB: Int?

        public init(slots: Int = 1, memoryMB: Int? = nil) {
            self.slots = slots
            self.memoryMB = memoryMB
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
        /// If set, the host splits the text into sentences and runs each as
        /// its own `run`, in parallel, then stitches the audio.
        public var segmentation: Segmentation?
        /// Parameters the task documents taking beyond its own (`params` in
        /// engine.json): `serve` passes OpenAI's `instructions` only to a
        /// task that lists it, as engines refuse params they do not know.
        public var params: Set<String> = []

        public init(
            description: String? = nil, text: Requirement = .none, inputs: [String: Requirement] = [:],
            segmentation: Segmentation? = nil
        ) {
            self.description = description
            self.text = text
            self.inputs = inputs
            self.segmentation = segmentation
        }
    }

    /// How the host splits a task's text (PROTOCOL.md, "Segmented tasks").
    public struct Segmentation: Sendable, Equatable {
        /// The longest segment, in characters.
        public var maxCharacters = 400
        /// Silence between sentences, and between paragraphs, in ms.
        public var sentencePauseMilliseconds = 250
        public var paragraphPauseMilliseconds = 750

        public init() {}
    }

    public enum Requirement: String, Sendable, Equatable {
        case none, optional, required
    }

    public struct Timeouts: Sendable, Equatable {
        /// From spawn to the `initialize` answer (model loading included).
        public var startSeconds = 60.0
        /// The longest one `run` may take, whatever its progress.
        public var runSeconds = 3600.0
        /// The longest a `run` may go without a progress notification.
        public var stallSeconds = 300.0
        /// From `shutdown` (or stdin EOF) to exit, before it is killed.
        public var shutdownSeconds = 5.0
        /// From `cancel` to the answer, before the instance is killed.
        public var cancelSeconds = 5.0

        public init() {}
    }
}
