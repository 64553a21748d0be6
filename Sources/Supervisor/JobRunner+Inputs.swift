import Basics
import AudioCodec
import Foundation
import Glibc
import Spool

extension JobRunner {
    /// The input files the engine gets. An engine whose manifest has
    /// `input_audio` gets every input decoded to a WAV of that shape in
    /// `work/inputs/`; an input that is not readable audio fails the job
    /// here, with a `bad_input` error naming it.
    func engineInputs(_ job: PreparedJob, work: String) throws(JobError) -> [String: String] {
        guard !job.inputs.isEmpty else { return [:] }
        let folder = try JobError.storage { () throws(FileSystemError) in try job.folder.directory().makeDirectories(String(work.dropFirst(job.folder.path.count + 1)) + "/inputs") }
        guard let audio = job.manifest.inputAudio else {
            // The engine reads what was checked: the very file, placed in
            // its work folder, never a path the submitter could redirect.
            var placed: [String: String] = [:]
            for name in job.inputs.keys.sorted() {
                let fd = try job.openInput(name)
                defer { close(fd) }
                let file = name + "-" + (job.inputs[name]!.split(separator: "/").last.map(String.init) ?? name)
                try JobError.storage { () throws(FileSystemError) in try folder.place(descriptor: fd, as: file) }
                placed[name] = folder.full(file)
            }
            return placed
        }
        let sampleFormat = WavSampleFormat(rawValue: audio.bitDepth) ?? .pcm16
        let settings = EncoderSettings(format: .wav(sampleFormat), sampleRate: audio.sampleRate, channels: audio.channels)
        var decoded: [String: String] = [:]
        for name in job.inputs.keys.sorted() {
            let target = JobFolderOutput(folder: folder, name: name + ".wav")
            let fd = try job.openInput(name)
            do {
                try Transcoder().encode({ () throws(AudioError) in try SoundFileReader(descriptor: dup(fd), name: job.inputs[name]!) }, to: [Transcoder.Output(target: target, settings: settings)])
                close(fd)
            } catch {
                close(fd)
                let submitted = job.spec.inputs[name] ?? name
                switch error.kind {
                case .unreadableInput:
                    throw JobError(.badInput, "input \"\(name)\" (\(submitted)) is not audio that can be decoded: \(error.message)")
                case .unsupportedSettings:
                    throw JobError(.badInput, "input \"\(name)\" (\(submitted)) cannot be converted for engine \(job.manifest.name): \(error.message)")
                case .writeFailed:
                    throw JobError(.transient, "decoding input \"\(name)\" failed: \(error.message)")
                }
            }
            decoded[name] = target.path
        }
        return decoded
    }
}
