import Basics
import AudioCodec
import OutputEncoding
import Spool

/// Encodes an engine's outputs into every format the job asked for, beside
/// job.json: `output.wav`, or `vocals.mp3` and `vocals.flac`, … Each engine
/// file is decoded once and every format written from it (Transcoder);
/// every file is written and hashed through the folder's descriptor.
struct OutputEncoder {
    let directory: ConfinedDirectory
    /// The job's `output` list, in order.
    let outputs: [OutputSpec]

    init(folder: JobFolder, outputs: [OutputSpec]) throws(JobError) {
        directory = try JobError.storage { () throws(FileSystemError) in try folder.directory() }
        self.outputs = outputs
    }

    /// One file to write: its name in the job folder, and what it is.
    struct PlannedFile {
        let name: String
        let spec: OutputSpec
    }

    func encode(_ audio: [EngineAudio]) throws(JobError) -> [JobResult.Output] {
        var taken = Set((try? directory.list()) ?? [])
        var results: [JobResult.Output] = []
        for output in audio {
            var files: [PlannedFile] = []
            for spec in outputs {
                let name = Self.freeName(output.name, extension: spec.fileExtension, taken: taken)
                taken.insert(name)
                files.append(PlannedFile(name: name, spec: spec))
            }
            let written: [Transcoder.Written]
            do {
                written = try Transcoder().encode(
                    output.makeSource,
                    to: files.map { Transcoder.Output(target: JobFolderOutput(folder: directory, name: $0.name), settings: $0.spec.encoderSettings) })
            } catch {
                throw JobError(encoding: error, output: output.description)
            }
            // Transcoder answers in the order it was given the files.
            for (file, written) in zip(files, written) {
                let digest = try JobError.storage { () throws(FileSystemError) in try FileDigest.sha256(of: file.name, in: directory) }
                let properties = written.properties
                var result = JobResult.Output(
                    path: file.name, name: output.name,
                    format: file.spec.format.rawValue, sampleRate: properties.sampleRate,
                    channels: properties.channels, durationSeconds: (properties.durationSeconds ?? 0).rounded(toPlaces: 4),
                    bytes: digest.bytes, sha256: digest.hex)
                if let loudness = written.loudness { result.record(loudness) }
                results.append(result)
            }
        }
        return results
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
