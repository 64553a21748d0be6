import CSoxr

/// Streaming sample-rate conversion with libsoxr at high quality. Feed it
/// chunks; `flush` returns the tail held back by the filter.
final class Resampler {
    let channels: Int
    let ratio: Double
    private var soxr: soxr_t?
    private var output = [Float]()

    init(from inputRate: Int, to outputRate: Int, channels: Int) throws(AudioError) {
        var error: soxr_error_t?
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var quality = soxr_quality_spec(audiospool_soxr_hq(), 0)
        soxr = soxr_create(Double(inputRate), Double(outputRate), UInt32(channels), &error, &io, &quality, nil)
        if let error {
            throw AudioError(.unsupportedSettings, "cannot resample \(inputRate) Hz to \(outputRate) Hz: \(String(cString: error))")
        }
        self.channels = channels
        self.ratio = Double(outputRate) / Double(inputRate)
    }

    deinit {
        if let soxr { soxr_delete(soxr) }
    }

    /// Resamples `input` (interleaved); the result is valid until the next call.
    func process(_ input: UnsafeBufferPointer<Float>) throws(AudioError) -> UnsafeBufferPointer<Float> {
        try run(input.baseAddress, frames: input.count / channels)
    }

    /// What the filter still holds, once the input has ended.
    func flush() throws(AudioError) -> UnsafeBufferPointer<Float> {
        try run(nil, frames: 0)
    }

    private func run(_ input: UnsafePointer<Float>?, frames: Int) throws(AudioError) -> UnsafeBufferPointer<Float> {
        // Room for the converted chunk plus what the filter may release.
        let capacity = (Int((Double(frames) * ratio).rounded(.up)) + 1024) * channels
        if output.count < capacity { output = [Float](repeating: 0, count: capacity) }
        var produced = 0
        var consumed = 0
        while true {
            var used = 0
            var done = 0
            let error = output.withUnsafeMutableBufferPointer { out in
                soxr_process(
                    soxr, input.map { $0 + consumed * channels }, frames - consumed, &used,
                    out.baseAddress! + produced * channels, out.count / channels - produced, &done)
            }
            if let error { throw AudioError(.unsupportedSettings, "resampling failed: \(String(cString: error))") }
            consumed += used
            produced += done
            // Flushing can release more than fits; grow and drain it all.
            if input == nil ? done == 0 : consumed >= frames { break }
            if produced * channels >= output.count - channels {
                output += [Float](repeating: 0, count: output.count)
            }
        }
        return output.withUnsafeBufferPointer { UnsafeBufferPointer(rebasing: $0[0..<(produced * channels)]) }
    }
}
