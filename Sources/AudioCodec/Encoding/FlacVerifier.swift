import CFLAC
import CSampleConversion
import Crypto
import Foundation

/// Checks a FLAC stream as it is written, on a thread of its own: every
/// encoded byte is decoded again and compared with the samples that went
/// in. This is libFLAC's own "verify" (decode and compare), moved off the
/// encoding thread so it costs a second core, not wall time. It also
/// computes the stream's MD5 (FLAC's checksum of the audio) there.
final class FlacVerifier: @unchecked Sendable {
    private let channels: Int
    /// Encoded bytes, in order, and the samples they must decode to.
    private let encoded = BoundedQueue<[UInt8]>(capacity: 16)
    private let expected = BoundedQueue<[Int32]>(capacity: 8)
    /// Buffers go back to the writer once checked.
    let spareBytes = Recycler<UInt8>(limit: 20)
    let spareSamples = Recycler<Int32>(limit: 12)
    private let done = DispatchSemaphore(value: 0)
    private var decoder: UnsafeMutablePointer<FLAC__StreamDecoder>?

    // Touched by the decoding thread only, until `finish` has joined it.
    private var input: [UInt8] = []
    private var inputOffset = 0
    private var reference: [Int32] = []
    private var referenceOffset = 0
    private var samplesChecked = 0
    private var failure: String?
    private var md5 = Insecure.MD5()
    private var packed: [UInt8] = []
    private let bytesPerSample: Int

    init(channels: Int, bitsPerSample: Int) throws(AudioError) {
        self.channels = channels
        self.bytesPerSample = (bitsPerSample + 7) / 8
        guard let decoder = FLAC__stream_decoder_new() else { throw AudioError(.writeFailed, "libFLAC could not start its verifier") }
        self.decoder = decoder
        let client = Unmanaged.passUnretained(self).toOpaque()
        let status = FLAC__stream_decoder_init_stream(
            decoder, flacVerifierRead, nil, nil, nil, nil, flacVerifierWrite, nil, flacVerifierError, client)
        guard status == FLAC__STREAM_DECODER_INIT_STATUS_OK else {
            FLAC__stream_decoder_delete(decoder)
            self.decoder = nil
            throw AudioError(.writeFailed, "libFLAC could not start its verifier (\(status.rawValue))")
        }
        let thread = Thread { [self] in
            FLAC__stream_decoder_process_until_end_of_stream(self.decoder)
            done.signal()
        }
        thread.name = "flac-verify"
        thread.start()
    }

    deinit {
        if let decoder { FLAC__stream_decoder_delete(decoder) }
    }

    /// Samples given to the encoder (interleaved), before it encodes them.
    func expect(_ samples: [Int32]) {
        expected.push(samples)
    }

    /// Bytes the encoder wrote, in order.
    func feed(_ bytes: [UInt8]) {
        if !bytes.isEmpty { encoded.push(bytes) }
    }

    /// Waits for the decoder to reach the end; throws if anything differed.
    /// Returns the MD5 of the audio, as FLAC's STREAMINFO holds it.
    func finish() throws(AudioError) -> [UInt8] {
        encoded.close()
        done.wait()
        expected.close()
        if failure == nil && (referenceOffset < reference.count || expected.pop() != nil) {
            failure = "the stream decodes to fewer samples (\(samplesChecked)) than were encoded"
        }
        if let decoder { FLAC__stream_decoder_finish(decoder) }
        if let failure { throw AudioError(.writeFailed, "FLAC verification failed: \(failure)") }
        return Array(md5.finalize())
    }

    // MARK: Decoder callbacks (decoding thread)

    fileprivate func read(into buffer: UnsafeMutablePointer<FLAC__byte>, count: inout Int) -> FLAC__StreamDecoderReadStatus {
        if inputOffset == input.count {
            guard let next = encoded.pop() else {
                count = 0
                return FLAC__STREAM_DECODER_READ_STATUS_END_OF_STREAM
            }
            spareBytes.give(input)
            input = next
            inputOffset = 0
        }
        let n = min(count, input.count - inputOffset)
        input.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress! + inputOffset, count: n) }
        inputOffset += n
        count = n
        return FLAC__STREAM_DECODER_READ_STATUS_CONTINUE
    }

    fileprivate func check(_ frame: UnsafePointer<FLAC__Frame>, _ decoded: UnsafePointer<UnsafePointer<FLAC__int32>?>) -> FLAC__StreamDecoderWriteStatus {
        let blocksize = Int(frame.pointee.header.blocksize)
        var index = 0
        while index < blocksize {
            if referenceOffset == reference.count {
                guard let next = expected.pop() else { return fail("the stream decodes to more samples than were encoded") }
                spareSamples.give(reference)
                reference = next
                referenceOffset = 0
            }
            // Reference chunks hold whole frames, so compare a run of frames at once.
            let run = min(blocksize - index, (reference.count - referenceOffset) / channels)
            let differs = reference.withUnsafeBufferPointer {
                audiospool_compare_planar(decoded, channels, index, run, $0.baseAddress! + referenceOffset)
            }
            if differs >= 0 {
                let channel = differs % channels
                let at = index + differs / channels
                return fail(
                    "sample \(samplesChecked / channels + at), channel \(channel): encoded \(reference[referenceOffset + differs]), decoded \(decoded[channel]![at])")
            }
            referenceOffset += run * channels
            index += run
        }
        samplesChecked += blocksize * channels
        accumulateMD5(decoded, frames: blocksize)
        return FLAC__STREAM_DECODER_WRITE_STATUS_CONTINUE
    }

    /// FLAC's MD5 is over the samples as little-endian integers of
    /// `bytesPerSample` bytes, channels interleaved.
    private func accumulateMD5(_ decoded: UnsafePointer<UnsafePointer<FLAC__int32>?>, frames: Int) {
        let size = frames * channels * bytesPerSample
        if packed.count < size { packed = [UInt8](repeating: 0, count: size) }
        packed.withUnsafeMutableBufferPointer { out in
            audiospool_pack_planar(decoded, channels, frames, bytesPerSample, out.baseAddress)
            md5.update(bufferPointer: UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: out[0..<size])))
        }
    }

    fileprivate func fail(_ message: String) -> FLAC__StreamDecoderWriteStatus {
        if failure == nil { failure = message }
        // Let the encoding side run on without waiting for us.
        encoded.close()
        expected.close()
        return FLAC__STREAM_DECODER_WRITE_STATUS_ABORT
    }
}

private func verifier(_ client: UnsafeMutableRawPointer?) -> FlacVerifier {
    Unmanaged<FlacVerifier>.fromOpaque(client!).takeUnretainedValue()
}

private let flacVerifierRead: FLAC__StreamDecoderReadCallback = { _, buffer, bytes, client in
    var count = bytes!.pointee
    let status = verifier(client).read(into: buffer!, count: &count)
    bytes!.pointee = count
    return status
}

private let flacVerifierWrite: FLAC__StreamDecoderWriteCallback = { _, frame, buffer, client in
    verifier(client).check(frame!, buffer!)
}

private let flacVerifierError: FLAC__StreamDecoderErrorCallback = { _, status, client in
    _ = verifier(client).fail("the decoder reported error \(status.rawValue)")
}
