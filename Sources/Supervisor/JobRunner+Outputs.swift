import AudioCodec
import EngineProtocol
import Foundation
import Spool

extension JobRunner {
    /// Encodes every engine output into every requested format, beside
    /// job.json: `output.wav`, or `vocals.mp3` and `vocals.flac`, …
    func encode(_ outputs: [EngineAudio], job: PreparedJob) throws(JobError) -> [JobResult.Output] {
        var taken = Set((try? FileSystem.list(job.folder.path)) ?? [])
        var results: [JobResult.Output] = []
        for output in outputs {
            var targets: [Transcoder.Output] = []
            for spec in job.outputs {
                let fileName = Self.freeName(output.name, extension: spec.fileExtension, taken: taken)
                taken.insert(fileName)
                targets.append(Transcoder.Output(path: job.folder.path + "/" + fileName, settings: spec.encoderSettings))
            }
            // One decode of the engine's file, every format written from it.
            let written: [Transcoder.Written]
            do {
                written = try Transcoder().encode(output.makeSource, to: targets)
            } catch {
                throw JobError(encoding: error, output: output.description)
            }
            for (index, target) in targets.enumerated() {
                let digest: (hex: String, bytes: Int64)
                do {
                    digest = try FileDigest.sha256(of: target.path)
                } catch {
                    throw JobError(storage: error)
                }
                let properties = written[index].properties
                var result = JobResult.Output(
                    path: String(target.path.dropFirst(job.folder.path.count + 1)), name: output.name,
                    format: job.outputs[index].format.rawValue, sampleRate: properties.sampleRate,
                    channels: properties.channels, durationSeconds: (properties.durationSeconds ?? 0).rounded(toPlaces: 4),
                    bytes: digest.bytes, sha256: digest.hex)
                if let loudness = written[index].loudness { result.record(loudness) }
                results.append(result)
            }
        }
        return results
    }

    /// The engine's file, checked to be a regular file inside the work folder.
    func resolveOutput(_ output: OutputFile, work: String, engine: String) throws(JobError) -> String {
        guard Self.isValidOutputName(output.name) else {
            throw JobError(.internal, "engine \(engine) named an output \"\(output.name)\"; names are letters, digits, \"_\" and \"-\"")
        }
        let candidate = output.path.hasPrefix("/") ? output.path : work + "/" + output.path
        let resolved = URL(fileURLWithPath: candidate).resolvingSymlinksInPath().path
        let root = URL(fileURLWithPath: work).resolvingSymlinksInPath().path
        guard resolved.hasPrefix(root + "/") else {
            throw JobError(.internal, "engine \(engine) returned output \"\(output.path)\", which is outside its work folder")
        }
        guard FileSystem.info(resolved)?.type == .regular else {
            throw JobError(.internal, "engine \(engine) returned output \"\(output.path)\", which it did not write")
        }
        return resolved
    }

    static func isValidOutputName(_ name: String) -> Bool {
        OutputFile.isValidName(name)
    }

    /// `name.ext`, or `name-2.ext`, … if a file of the job folder has that name.
    static func freeName(_ name: String, extension ext: String, taken: Set<String>) -> String {
        var candidate = "\(name).\(ext)"
        var number = 2
        while taken.contains(candidate) {
            candidate = "\(name)-\(number).\(ext)"
            number += 1
        }
        return candidate
    }
}
