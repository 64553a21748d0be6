import Basics
import EngineHost
import Foundation
import Spool

extension JobCheck {
    /// What the supervisor will check against the engine, checked before a
    /// job is delivered (by `submit` and by `serve`), in the same words. A
    /// submitter without the engines folder (a spool shared over the
    /// network) leaves that to the supervisor, unless it named one
    /// (`required`). `text` is the job's text, from `text` or its read
    /// `text_file` (nil when that could not be read: the supervisor says so).
    public static func check(
        _ job: JobSpec, text: String?, enginesDirectory directory: String, required: Bool
    ) throws(Failure) {
        guard FileSystem.isDirectory(directory) else {
            if required { throw Failure(kind: .badInput, message: "--engines \(directory): no such folder") }
            return
        }
        try check(job, text: text, registry: EngineRegistry.load(directory: directory))
    }

    /// The same, against engines already read (a server reads them once a second, not per job).
    public static func check(_ job: JobSpec, text: String?, registry: EngineRegistry) throws(Failure) {
        if job.isEpisode {
            for (chapter, number, line) in job.allLines { _ = try checkLine(job, chapter: chapter, number: number, line: line, registry: registry) }
            return
        }
        guard let manifest = registry[job.engine] else {
            throw Failure(kind: .unsupported, message: registry.explainMissing(job.engine))
        }
        _ = try check(job, text: text, manifest: manifest)
    }

    /// One line of a script or chapter held to its own engine (the job's
    /// task, the line's text, the job's inputs with the line's over them);
    /// a failure names the line's field (`chapters[1].script[0]`).
    static func checkLine(
        _ job: JobSpec, chapter: Int?, number: Int, line: ScriptLine, registry: EngineRegistry
    ) throws(Failure) -> (field: String, manifest: EngineManifest, task: String, spec: JobSpec) {
        let field: String
        if let chapter {
            field = job.chapters?[chapter].script == nil ? "chapters[\(chapter)]" : "chapters[\(chapter)].script[\(number - 1)]"
        } else {
            field = "script[\(number - 1)]"
        }
        if line.inputs[JobSpec.coverInput] != nil {
            throw Failure(
                kind: .badInput,
                message: "\(field).inputs.\(JobSpec.coverInput): the cover is the job's, for all its outputs; give it in the job's \"inputs\", not a line's")
        }
        let engine = line.engine ?? job.engine
        guard let manifest = registry[engine] else { throw Failure(kind: .badInput, message: "\(field): \(registry.explainMissing(engine))") }
        var spec = job
        spec.engine = engine
        (spec.script, spec.chapters, spec.text, spec.textFile) = (nil, nil, line.text, nil)
        spec.inputs.merge(line.inputs) { _, line in line }
        do {
            return (field, manifest, try check(spec, text: line.text, manifest: manifest).task, spec)
        } catch {
            throw Failure(kind: error.kind, message: "\(field): \(error.message)")
        }
    }
}
