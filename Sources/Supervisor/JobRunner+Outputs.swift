import AudioCodec
import EngineProtocol
import Foundation
import Spool

extension JobRunner {
    /// Encodes every engine output into every requested format, beside
    /// job.json: `output.wav`, or `vocals.mp3` and `vocals.flac`, …
    func encode(_ outputs: [EngineAudio], job: PreparedJob) throws(JobError) -> [JobResult.Output] {
        let directory: ConfinedDirectory
        do {
            directory = try job.folder.directory()
        } catch {
            throw JobError(storage: error)
        }
        var taken = Set((try? directory.list()) ?? [])
        var results: [JobResult.Output] = []
        for output in outputs {
            var targets: [Transcoder.Output] = []
            var names: [String] = []
            for spec in job.outputs {
                let fileName = Self.freeName(output.name, extension: spec.fileExtension, taken: taken)
                taken.insert(fileName)
                names.append(fileName)
                targets.append(Transcoder.Output(target: JobFolderOutput(folder: directory, name: fileName), settings: spec.encoderSettings))
            }
            // One decode of the engine's file, every format written from it.
            let written: [Transcoder.Written]
            do {
                written = try Transcoder().encode(output.makeSource, to: targets)
            } catch {
                throw JobError(encoding: error, output: output.description)
            }
            for (index, name) in names.enumerated() {
                let digest: (hex: String, bytes: Int64)
                do {
                    digest = try FileDigest.sha256(of: name, in: directory)
                } catch {
                    throw JobError(storage: error)
                }
                let properties = written[index].properties
                var result = JobResult.Output(
                    path: name, name: output.name,
                    format: job.outputs[index].format.rawValue, sampleRate: properties.sampleRate,
                    channels: properties.channels, durationSeconds: (properties.durationSeconds ?? 0).rounded(toPlaces: 4),
                    bytes: digest.bytes, sha256: digest.hex)
                if let loudness = written[index].loudness { result.record(loudness) }
                results.append(result)
            }
        }
        return results
    }

    /// The engine's file, checked to be a regular file inside the work
    /// folder reached without a symlink: its name relative to the job folder.
    func resolveOutput(_ output: OutputFile, work: String, folder: JobFolder, engine: String) throws(JobError) -> String {
        guard Self.isValidOutputName(output.name) else {
            throw JobError(.internal, "engine \(engine) named an output \"\(output.name)\"; names are letters, digits, \"_\" and \"-\"")
        }
        var relative = output.path
        if relative.hasPrefix("/") {
            let real = URL(fileURLWithPath: work).resolvingSymlinksInPath().path
            if relative.hasPrefix(work + "/") {
                relative.removeFirst(work.count + 1)
            } else if relative.hasPrefix(real + "/") {
                relative.removeFirst(real.count + 1)
            } else {
                throw JobError(.internal, "engine \(engine) returned output \"\(output.path)\", which is outside its work folder")
            }
        }
        let components = relative.split(separator: "/").filter { $0 != "." }
        guard !components.isEmpty, !components.contains("..") else {
            throw JobError(.internal, "engine \(engine) returned output \"\(output.path)\", which is outside its work folder")
        }
        let name = String(work.dropFirst(folder.path.count + 1)) + "/" + components.joined(separator: "/")
        guard (try? folder.directory())?.info(name)?.type == .regular else {
            throw JobError(.internal, "engine \(engine) returned output \"\(output.path)\", which it did not write (or is not a regular file reached without a symlink)")
        }
        return name
    }

    /// Opens `name` in the job folder for decoding, without following a symlink.
    static func openAudio(_ name: String, in folder: JobFolder) throws(AudioError) -> SoundFileReader {
        let fd: Int32
        do {
            fd = try folder.directory().openRegular(name, O_RDONLY)
        } catch {
            throw AudioError(.unreadableInput, "cannot open '\(folder.path)/\(name)': \(error.errno)")
        }
        return try SoundFileReader(descriptor: fd, name: folder.path + "/" + name)
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
