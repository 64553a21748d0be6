import AudioCodec
import Basics
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
    /// A script's or chapters' lines, each checked against its own engine;
    /// empty for a job of one text.
    var lines: [PreparedLine] = []
    /// `inputs.cover`, read and checked: the front cover of every output
    /// whose container holds one. Not among `inputs`: no engine gets it.
    var coverArt: CoverArt?

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
        var spec = try readSpec(claimed, folder: folder, config: config)
        guard let manifest = registry[spec.engine] else {
            throw JobError(.badInput, registry.explainMissing(spec.engine))
        }
        let limits = config.limits
        var text = spec.text
        if let file = spec.textFile {
            // A dropped .txt is named as its submitter knows it.
            let shown = claimed.submission.kind == .text ? "the dropped file \(claimed.submission.entryName)" : "text_file \"\(file)\""
            text = try readText(file, shown: shown, folder: folder, limits: limits)
        }
        if spec.isEpisode { return try prepareEpisode(claimed, spec: spec, folder: folder, config: config, registry: registry) }
        let task: String
        do {
            let dropped = claimed.submission.kind == .text ? claimed.submission.entryName : nil
            task = try JobCheck.check(spec, text: text, manifest: manifest, droppedFile: dropped).task
        } catch {
            throw JobError(error.kind, error.message)
        }
        if let text, wantsLines(spec, manifest: manifest, task: task, config: config) {
            // Subtitles and respellings work line by line: a text is one line.
            spec.script = [ScriptLine(text: text)]
            (spec.text, spec.textFile) = (nil, nil)
            return try prepareEpisode(claimed, spec: spec, folder: folder, config: config, registry: registry)
        }
        var inputs: [String: String] = [:]
        for (name, relative) in spec.inputs.sorted(by: { $0.key < $1.key }) where name != JobSpec.coverInput {
            do {
                close(try folder.openInput(relative, field: "inputs.\(name)", limits: limits))
                inputs[name] = relative
            } catch {
                throw JobError(error)
            }
        }
        var job = PreparedJob(
            id: claimed.id, folder: folder, spec: spec, manifest: manifest, task: task, text: text, inputs: inputs,
            outputs: spec.outputs.isEmpty ? config.output : spec.outputs,
            maxAttempts: spec.maxAttempts ?? config.maxAttempts)
        job.coverArt = try readCover(spec, folder: folder, limits: limits)
        return job
    }

    private static func prepareEpisode(
        _ claimed: ClaimedJob, spec: JobSpec, folder: JobFolder, config: SpoolConfig, registry: EngineRegistry
    ) throws(JobError) -> PreparedJob {
        let lines = try PreparedLine.prepare(spec, folder: folder, registry: registry, limits: config.limits)
        var job = PreparedJob(
            id: claimed.id, folder: folder, spec: spec, manifest: lines[0].manifest, task: lines[0].task, text: nil,
            inputs: [:], outputs: spec.outputs.isEmpty ? config.output : spec.outputs,
            maxAttempts: spec.maxAttempts ?? config.maxAttempts)
        job.lines = lines
        job.coverArt = try readCover(spec, folder: folder, limits: config.limits)
        return job
    }

    /// A segmented text with subtitles or respellings (the job's, or the
    /// spool's for its language) is spoken as a script of one line.
    private static func wantsLines(_ spec: JobSpec, manifest: EngineManifest, task: String, config: SpoolConfig) -> Bool {
        guard manifest.tasks[task]?.segmentation != nil else { return false }
        if !spec.subtitles.isEmpty || !spec.lexicon.isEmpty { return true }
        guard let settings = try? config.section(LexiconSettings.self) else { return false }
        return settings.files[spec.params["language"]?.stringValue ?? settings.defaultLanguage] != nil
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
            try JobError.storage { () throws(FileSystemError) in try folder.write(spec, to: folder.jobFile) }
            return spec
        }
    }

    private static func readText(_ relative: String, shown: String, folder: JobFolder, limits: SpoolLimits) throws(JobError) -> String {
        do {
            let fd = try folder.openInput(relative, field: "text_file", limits: limits)
            defer { close(fd) }
            // UTF-8 takes at most 4 bytes a character.
            let data = try FileSystem.readAll(fd, path: folder.path + "/" + relative, limit: limits.maxTextCharacters * 4)
            guard let text = String(data: data, encoding: .utf8) else {
                throw JobError(.badInput, "\(shown) is not UTF-8 text")
            }
            guard !text.utf8.contains(0) else {
                throw JobError(.badInput, "\(shown) contains a NUL character")
            }
            guard text.count <= limits.maxTextCharacters else {
                throw JobError(.badInput, "\(shown) has \(text.count) characters, over the limit of \(limits.maxTextCharacters)")
            }
            return text
        } catch let error as DocumentError {
            throw JobError(error)
        } catch let error as FileSystemError where error.errno == .fileTooLarge {
            let limit = limits.maxTextCharacters
            throw JobError(
                .badInput,
                "\(shown) is over \(limit * 4) bytes, more than limits.max_text_chars (\(limit) characters) can be")
        } catch let error as FileSystemError {
            throw JobError(.badInput, "\(shown) cannot be read: \(error.errno)")
        } catch let error as JobError {
            throw error
        } catch {
            throw JobError(.internal, "\(shown) cannot be read: \(error.localizedDescription)")
        }
    }
}
