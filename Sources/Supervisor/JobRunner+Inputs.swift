import AudioCodec
import Foundation
import Spool

extension JobRunner {
    /// The input files the engine gets. An engine whose manifest has
    /// `input_audio` gets every input decoded to a WAV of that shape in
    /// `work/inputs/`; an input that is not readable audio fails the job
    /// here, with a `bad_input` error naming it.
    func engineInputs(_ job: PreparedJob, work: String) throws(JobError) -> [String: String] {
        guard let audio = job.manifest.inputAudio, !job.inputs.isEmpty else { return job.inputs }
        let folder = work + "/inputs"
        do {
            try FileSystem.createDirectories(folder)
        } catch {
            throw JobError(storage: error)
        }
        let sampleFormat = WavSampleFormat(rawValue: audio.bitDepth) ?? .pcm16
        let settings = EncoderSettings(format: .wav(sampleFormat), sampleRate: audio.sampleRate, channels: audio.channels)
        var decoded: [String: String] = [:]
        for (name, path) in job.inputs {
            let target = folder + "/" + name + ".wav"
            do {
                try Transcoder().encode(input: path, output: target, settings: settings)
            } catch {
                let submitted = job.spec.inputs[name] ?? path
                switch error.kind {
                case .unreadableInput:
                    throw JobError(.badInput, "input \"\(name)\" (\(submitted)) is not audio that can be decoded: \(error.message)")
                case .unsupportedSettings:
                    throw JobError(.badInput, "input \"\(name)\" (\(submitted)) cannot be converted for engine \(job.manifest.name): \(error.message)")
                case .writeFailed:
                    throw JobError(.transient, "decoding input \"\(name)\" failed: \(error.message)")
                }
            }
            decoded[name] = target
        }
        return decoded
    }
}
