import Basics
import EngineHost
import Foundation
import Glibc
import Spool

/// One line of a script or chapter, checked against its own engine: what
/// it takes to speak it. Problems are the submitter's, and name the line.
struct PreparedLine: Sendable {
    /// The chapter's index, nil without chapters.
    var chapter: Int?
    /// The line's number in its chapter (or script), from 1.
    var number: Int
    /// As the job names it: `script[2]`, `chapters[0].script[1]`, `chapters[3]`.
    var field: String
    var manifest: EngineManifest
    var task: String
    var text: String
    /// The job's params, the line's over them, `voice` as a param.
    var params: [String: JSONValue]
    /// Input name → file in the job folder, checked like the job's.
    var inputs: [String: String]
    var pauseAfterMilliseconds: Int?

    /// Where it is, for messages: "line 3 of chapter 2 (\"Rain\")" or "line 3".
    func place(in spec: JobSpec) -> String {
        guard let chapter, let title = spec.chapters?[chapter].title else { return "line \(number)" }
        return "line \(number) of chapter \(chapter + 1) (\"\(title)\")"
    }

    static func prepare(
        _ spec: JobSpec, folder: JobFolder, registry: EngineRegistry, limits: SpoolLimits
    ) throws(JobError) -> [PreparedLine] {
        var prepared: [PreparedLine] = []
        for (chapter, number, line) in spec.allLines {
            let (field, manifest, task): (String, EngineManifest, String)
            var lineSpec: JobSpec
            do {
                (field, manifest, task, lineSpec) = try JobCheck.checkLine(spec, chapter: chapter, number: number, line: line, registry: registry)
            } catch {
                throw JobError(error.kind, error.message)
            }
            var params = spec.params
            params.merge(line.params) { _, line in line }
            if let voice = line.voice { params["voice"] = .string(voice) }
            // The cover is the job's (PreparedJob.coverArt), not the engine's.
            lineSpec.inputs[JobSpec.coverInput] = nil
            for (name, relative) in lineSpec.inputs.sorted(by: { $0.key < $1.key }) {
                do {
                    close(try folder.openInput(relative, field: line.inputs[name] != nil ? "\(field).inputs.\(name)" : "inputs.\(name)", limits: limits))
                } catch {
                    throw JobError(error)
                }
            }
            prepared.append(
                PreparedLine(
                    chapter: chapter, number: number, field: field, manifest: manifest, task: task, text: line.text, params: params,
                    inputs: lineSpec.inputs, pauseAfterMilliseconds: line.pauseAfterMilliseconds))
        }
        return prepared
    }

    /// The language the line's respellings are looked up in.
    func language(default fallback: String) -> String {
        params["language"]?.stringValue ?? fallback
    }
}
