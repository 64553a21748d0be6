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
        guard let manifest = registry[job.engine] else {
            throw Failure(kind: .unsupported, message: registry.explainMissing(job.engine))
        }
        _ = try check(job, text: text, manifest: manifest)
    }
}
