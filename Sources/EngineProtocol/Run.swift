import Basics

/// `run` params: one job. Paths are absolute; the engine writes its WAV files
/// into `work_dir` and nowhere else.
public struct RunParams: Codable, Sendable, Equatable {
    public var jobID: String
    public var task: String
    public var text: String?
    public var params: [String: JSONValue]
    /// Input name → absolute path of the file (decoded to WAV where the
    /// manifest asks for it).
    public var inputs: [String: String]
    public var workDir: String
    /// 1 for the first attempt; engines may use it to resume partial work.
    public var attempt: Int

    public init(
        jobID: String, task: String, text: String? = nil, params: [String: JSONValue] = [:],
        inputs: [String: String] = [:], workDir: String, attempt: Int = 1
    ) {
        self.jobID = jobID
        self.task = task
        self.text = text
        self.params = params
        self.inputs = inputs
        self.workDir = workDir
        self.attempt = attempt
    }

    enum CodingKeys: String, CodingKey {
        case task, text, params, inputs, attempt
        case jobID = "job_id"
        case workDir = "work_dir"
    }
}

/// `run` result: the audio the engine wrote.
public struct RunResult: Codable, Sendable, Equatable {
    public var outputs: [OutputFile]
    /// Figures about the run for operators (the settings it finished
    /// with, counters), copied into result.json's `details`.
    public var details: [String: JSONValue]?
    /// When each word of the text is spoken in the first output, for
    /// engines that know (`WordTiming+Checks` says what makes them valid).
    public var words: [WordTiming]?

    public init(outputs: [OutputFile], details: [String: JSONValue]? = nil, words: [WordTiming]? = nil) {
        self.outputs = outputs
        self.details = details
        self.words = words
    }
}

/// One WAV file in the work folder. `name` becomes the output's file name
/// (`output` → `output.wav`, `vocals` → `vocals.mp3`).
public struct OutputFile: Codable, Sendable, Equatable {
    public var name: String
    /// Relative to `work_dir` (or absolute inside it).
    public var path: String

    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }
}
