import Basics
import AudioCodec
import Glibc
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
    /// Chapter markers for the containers that hold them.
    var chapters: [ChapterMark] = []
    /// The job's cover, for the containers that hold one (the others leave it out).
    var coverArt: CoverArt?

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
            if outputs.count == 1, chapters.isEmpty, coverArt == nil, let file = output.file, let passed = try passThrough(file, as: output.name, spec: outputs[0], taken: &taken) {
                results.append(passed)
                continue
            }
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
                    to: files.map { file in
                        var settings = file.spec.encoderSettings
                        settings.chapters = chapters
                        settings.coverArt = coverArt
                        return Transcoder.Output(target: JobFolderOutput(folder: directory, name: file.name), settings: settings)
                    })
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

    /// The engine's WAV linked into place as the output, when it already is
    /// what `spec` asks for; nil leaves it to the encoder. The file is
    /// opened once, without a symlink, and the inode whose header was
    /// checked and whose bytes were hashed is the one linked.
    private func passThrough(_ file: String, as output: String, spec: OutputSpec, taken: inout Set<String>) throws(JobError) -> JobResult.Output? {
        guard let fd = try? directory.openRegular(file, O_RDONLY) else { return nil }
        defer { close(fd) }
        guard let header = WavPassthrough.check(fd, for: spec) else { return nil }
        let digest = try JobError.storage { () throws(FileSystemError) in try FileDigest.sha256(descriptor: fd, name: directory.full(file)) }
        // Still the size its header gives: nothing wrote to it meanwhile.
        guard digest.bytes == Int64(WavPassthrough.headerBytes) + header.frames * Int64(header.channels * header.bitsPerSample / 8)
        else { return nil }
        let name = Self.freeName(output, extension: spec.fileExtension, taken: taken)
        try JobError.storage { () throws(FileSystemError) in try directory.place(descriptor: fd, as: name) }
        taken.insert(name)
        return JobResult.Output(
            path: name, name: output, format: spec.format.rawValue, sampleRate: header.sampleRate, channels: header.channels,
            durationSeconds: (Double(header.frames) / Double(header.sampleRate)).rounded(toPlaces: 4),
            bytes: digest.bytes, sha256: digest.hex)
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
