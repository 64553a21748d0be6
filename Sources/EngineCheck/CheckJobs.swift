import AudioCodec
import Basics
import EngineHost
import EngineProtocol
import Foundation

/// The jobs a check sends: one per task, with text and generated input
/// audio where the task takes them, as the supervisor would send them.
struct CheckJobs {
    let manifest: EngineManifest
    let sandbox: Sandbox
    /// The params of every run, and each task's over them (`--params`, `--task-params`).
    let params: [String: JSONValue]
    var taskParams: [String: [String: JSONValue]] = [:]
    let text: String

    static let defaultText = "Hello from the audiospool conformance check. This is its second sentence."
    /// The job id prefix of runs sent to provoke a protocol error (a run before `initialize`, one without `work_dir`).
    static let probePrefix = "check-probe-"
    /// The job id prefix of the run in flight when `shutdown` is sent.
    static let shutdownPrefix = "check-shutdown-"
    /// The param no engine takes, for `bad-params-are-bad-input`.
    static let unknownParam = "audiospool_check_no_such_param"

    /// The params a run of `task` gets: the task's own over those of every run.
    func params(for task: String) -> [String: JSONValue] {
        params.merging(taskParams[task] ?? [:]) { $1 }
    }

    /// A `run` for `task`; `long` asks for a run that takes a while (for cancel and EOF).
    func run(_ task: String, name: String, long: Bool = false) throws -> RunParams {
        let spec = manifest.tasks[task]
        let work = try sandbox.workFolder(name)
        var inputs: [String: String] = [:]
        for input in (spec?.inputs.keys.sorted() ?? []) {
            inputs[input] = try generateInput(input, work: work, seconds: long ? 30 : 1)
        }
        var jobText: String?
        if let spec, spec.text != .none {
            jobText = long ? longText(limit: spec.segmentation?.maxCharacters ?? 4000) : text
        }
        return RunParams(jobID: "check-\(name)", task: task, text: jobText, params: params(for: task), inputs: inputs, workDir: work)
    }

    /// The task a long run uses: one that takes text, if any, as text makes any TTS engine slow.
    var longTask: String {
        let names = manifest.tasks.keys.sorted()
        return names.first { manifest.tasks[$0]?.text != .some(.none) } ?? manifest.defaultTask ?? names[0]
    }

    /// As much text as the task accepts in one run (`max_chars` for a segmented task).
    private func longText(limit: Int) -> String {
        // Short sentences: engines that stop between sentences then stop soon.
        let sentence = "One more short sentence."
        var text = sentence
        while text.count + sentence.count + 1 <= limit { text += " " + sentence }
        return String(text.prefix(limit))
    }

    /// A sine WAV in `work/inputs/`, in the shape `input_audio` asks for
    /// (16-bit mono 16 kHz where it does not say): the host decodes every
    /// input so before the engine sees it.
    private func generateInput(_ name: String, work: String, seconds: Double) throws -> String {
        let folder = work + "/inputs"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let shape = manifest.inputAudio
        let rate = shape?.sampleRate ?? 16000
        let channels = shape?.channels ?? 1
        let format = WavSampleFormat(rawValue: shape?.bitDepth ?? "16") ?? .pcm16
        let path = folder + "/" + name + ".wav"
        let writer = try WavWriter(path: path, sampleRate: rate, channels: channels, format: format)
        let frames = Int(Double(rate) * seconds)
        var samples = [Float](repeating: 0, count: frames * channels)
        for frame in 0..<frames {
            let value = 0.3 * sin(2 * Float.pi * 440 * Float(frame) / Float(rate))
            for channel in 0..<channels { samples[frame * channels + channel] = value }
        }
        try samples.withUnsafeBufferPointer { try writer.write($0) }
        try writer.finish()
        return path
    }
}

/// Whether a file an engine returned is a WAV file with audio in it.
enum WavInspection {
    static func problem(at path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "cannot be opened" }
        let header = handle.readData(ofLength: 12)
        try? handle.close()
        let riff = String(decoding: header.prefix(4), as: UTF8.self)
        guard header.count == 12, ["RIFF", "RF64"].contains(riff), String(decoding: header.suffix(4), as: UTF8.self) == "WAVE" else {
            return "is not a WAV file (no RIFF/WAVE header)"
        }
        do {
            let reader = try SoundFileReader(path: path)
            guard let frames = reader.properties.frames, frames > 0 else { return "is a WAV file without audio (0 frames)" }
            return nil
        } catch {
            return "is not a readable WAV file: \(error.message)"
        }
    }

    static func describe(_ path: String) -> String {
        guard let reader = try? SoundFileReader(path: path) else { return "?" }
        let seconds = reader.properties.durationSeconds.map { String(format: "%.2f s", $0) } ?? "?"
        return "\(reader.properties.sampleRate) Hz, \(reader.properties.channels) ch, \(seconds)"
    }
}
