import EngineHost
import EngineProtocol
import Foundation
import Glibc
import Spool

/// A claimed job, read and checked against its engine: everything needed
/// to run it. Any problem found here is the submitter's to fix.
struct PreparedJob: Sendable {
    var id: String
    var folder: JobFolder
    var spec: JobSpec
    var manifest: EngineManifest
    var task: String
    var text: String?
    /// Input name → its file in the job folder, relative (checked: a
    /// regular file reached without a symlink; reopened the same way).
    var inputs: [String: String]
    var outputs: [OutputSpec]
    var maxAttempts: Int
    /// Why this attempt runs on the CPU although the engine prefers a GPU
    /// (the last one ran out of GPU memory); nil lets the pool choose.
    var cpuBecause: String?

    /// Reads the job in `folder`. Dropped text and audio files get a
    /// job.json written from the spool's defaults, so every finished job
    /// shows exactly what ran.
    /// Opens input `name` again, checked as before.
    func openInput(_ name: String) throws(JobError) -> Int32 {
        do {
            var limits = SpoolLimits()
            limits.maxInputBytes = .max  // checked when it was prepared
            return try folder.openInput(inputs[name] ?? "", field: "inputs.\(name)", limits: limits)
        } catch {
            throw JobError(error)
        }
    }

    static func prepare(
        _ claimed: ClaimedJob, folder: JobFolder, config: SpoolConfig, registry: EngineRegistry
    ) throws(JobError) -> PreparedJob {
        let spec = try readSpec(claimed, folder: folder, config: config)
        guard let manifest = registry[spec.engine] else {
            throw JobError(.badInput, registry.explainMissing(spec.engine))
        }
        let tasks = manifest.tasks.keys.sorted().joined(separator: ", ")
        guard let task = spec.task ?? manifest.defaultTask else {
            throw JobError(.badInput, "engine \(manifest.name) has several tasks (\(tasks)); name one with \"task\"")
        }
        guard let taskSpec = manifest.tasks[task] else {
            throw JobError(.unsupported, "engine \(manifest.name) has no task \"\(task)\" (its tasks: \(tasks))")
        }
        let limits = config.limits
        var text = spec.text
        if let file = spec.textFile {
            text = try readText(file, folder: folder, limits: limits)
        }
        switch taskSpec.text {
        case .required where text?.contains(where: { !$0.isWhitespace }) != true:
            throw JobError(.badInput, "task \"\(task)\" of engine \(manifest.name) needs text (\"text\" or \"text_file\"), and it is missing or empty")
        case .none where text != nil:
            throw JobError(.badInput, "task \"\(task)\" of engine \(manifest.name) takes no text")
        default:
            break
        }
        var inputs: [String: String] = [:]
        for (name, relative) in spec.inputs.sorted(by: { $0.key < $1.key }) {
            guard taskSpec.inputs[name] != nil else {
                let accepted = taskSpec.inputs.keys.sorted().joined(separator: ", ")
                throw JobError(.badInput, "task \"\(task)\" of engine \(manifest.name) takes no input \"\(name)\" (it takes: \(accepted.isEmpty ? "none" : accepted))")
            }
            do {
                close(try folder.openInput(relative, field: "inputs.\(name)", limits: limits))
                inputs[name] = relative
            } catch {
                throw JobError(error)
            }
        }
        for (name, requirement) in taskSpec.inputs where requirement == .required && inputs[name] == nil {
            throw JobError(.badInput, "task \"\(task)\" of engine \(manifest.name) needs the input \"\(name)\"")
        }
        return PreparedJob(
            id: claimed.id, folder: folder, spec: spec, manifest: manifest, task: task, text: text, inputs: inputs,
            outputs: spec.outputs.isEmpty ? config.output : spec.outputs,
            maxAttempts: spec.maxAttempts ?? config.maxAttempts)
    }

    private static func readSpec(_ claimed: ClaimedJob, folder: JobFolder, config: SpoolConfig) throws(JobError) -> JobSpec {
        let submission = claimed.submission
        switch submission.kind {
        case .rejected:
            throw JobError(.badInput, submission.reason ?? "not a job")
        case .jobFile, .jobDirectory:
            do {
                return try folder.readSpec(limits: config.limits)
            } catch {
                throw JobError(error)
            }
        case .text, .audio:
            var spec =
                submission.kind == .text
                ? JobSpec(engine: config.ttsEngine, task: "tts", textFile: submission.claimedName)
                : JobSpec(engine: config.separationEngine, task: "separate", inputs: ["audio": submission.claimedName])
            spec.outputs = config.output
            do {
                try folder.write(spec, to: folder.jobFile)
            } catch {
                throw JobError(storage: error)
            }
            return spec
        }
    }

    private static func readText(_ relative: String, folder: JobFolder, limits: SpoolLimits) throws(JobError) -> String {
        do {
            let fd = try folder.openInput(relative, field: "text_file", limits: limits)
            defer { close(fd) }
            // UTF-8 takes at most 4 bytes a character.
            let data = try FileSystem.readAll(fd, path: folder.path + "/" + relative, limit: limits.maxTextCharacters * 4)
            guard let text = String(data: data, encoding: .utf8) else {
                throw JobError(.badInput, "text_file \"\(relative)\" is not UTF-8 text")
            }
            guard text.count <= limits.maxTextCharacters else {
                throw JobError(.badInput, "text_file \"\(relative)\" has \(text.count) characters, over the limit of \(limits.maxTextCharacters)")
            }
            return text
        } catch let error as DocumentError {
            throw JobError(error)
        } catch let error as FileSystemError {
            throw JobError(.badInput, "text_file \"\(relative)\" cannot be read: \(error.errno)")
        } catch let error as JobError {
            throw error
        } catch {
            throw JobError(.internal, "\(error)")
        }
    }
}
