import AudioCodec
import EngineProtocol
import Foundation

extension CheckSteps {
    /// A run's `words`, when it gives them, against the audio of its first
    /// output (PROTOCOL.md, run): the host times subtitles by them.
    func inspectWords(_ result: RunResult, task: String, work: String, findings: inout Findings) {
        guard let words = result.words, let first = result.outputs.first else { return }
        let path = first.path.hasPrefix("/") ? first.path : work + "/" + first.path
        guard let reader = try? SoundFileReader(path: path), let seconds = reader.properties.durationSeconds else {
            findings.fail(.words, "task \(task) gave words, but its output \"\(first.path)\" is not audio they could lie in")
            return
        }
        if let problem = words.problem(audioSeconds: seconds) {
            findings.fail(.words, "task \(task): \(problem)")
        } else {
            findings.note(.words, "\(task): \(words.count) words within \(String(format: "%.2f", seconds)) s")
        }
    }
}
