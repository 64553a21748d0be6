import EngineHost
import EngineProtocol
import Spool

/// A job held to its engine's manifest: the task, the text and the inputs.
/// The supervisor does this when it claims a job; `submit` does it before
/// it delivers one, so a mistake shows at once, in the same words.
public enum JobCheck {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var kind: ErrorKind
        public var message: String
        public var description: String { message }
    }

    /// The task the job runs. `text` is the job's text, from `text` or its
    /// `text_file`, nil if it has none; `droppedFile` names the `.txt` it
    /// came from, if it was dropped as one.
    public static func check(
        _ spec: JobSpec, text: String?, manifest: EngineManifest, droppedFile: String? = nil
    ) throws(Failure) -> (task: String, spec: EngineManifest.TaskSpec) {
        let tasks = manifest.tasks.keys.sorted().joined(separator: ", ")
        guard let task = spec.task ?? manifest.defaultTask else {
            throw Failure(kind: .badInput, message: "engine \(manifest.name) has several tasks (\(tasks)); name one with \"task\"")
        }
        guard let taskSpec = manifest.tasks[task] else {
            throw Failure(kind: .unsupported, message: "engine \(manifest.name) has no task \"\(task)\" (its tasks: \(tasks))")
        }
        switch taskSpec.text {
        case .required where text?.contains(where: { !$0.isWhitespace }) != true:
            throw Failure(kind: .badInput, message: "task \"\(task)\" of engine \(manifest.name) needs text, and \(missingText(spec, text: text, droppedFile: droppedFile))")
        case .none where text != nil:
            throw Failure(kind: .badInput, message: "task \"\(task)\" of engine \(manifest.name) takes no text")
        default:
            break
        }
        // The cover is the host's, whatever the engine takes.
        for name in spec.inputs.keys.sorted() where taskSpec.inputs[name] == nil && name != JobSpec.coverInput {
            let accepted = taskSpec.inputs.keys.sorted().joined(separator: ", ")
            throw Failure(
                kind: .badInput,
                message: "task \"\(task)\" of engine \(manifest.name) takes no input \"\(name)\" (it takes: \(accepted.isEmpty ? "none" : accepted))")
        }
        for (name, requirement) in taskSpec.inputs.sorted(by: { $0.key < $1.key }) where requirement == .required && spec.inputs[name] == nil {
            throw Failure(kind: .badInput, message: "task \"\(task)\" of engine \(manifest.name) needs the input \"\(name)\"")
        }
        return (task, taskSpec)
    }

    /// Says what the submitter gave, in their terms: who dropped a `.txt`
    /// never wrote a "text_file" field.
    private static func missingText(_ spec: JobSpec, text: String?, droppedFile: String?) -> String {
        if let droppedFile { return "the dropped file \(droppedFile) is empty or only blanks" }
        if let file = spec.textFile { return "its text_file \(file) is empty or only blanks" }
        if spec.text != nil { return "its \"text\" is empty or only blanks" }
        return "it gives none (give \"text\" or \"text_file\")"
    }
}
