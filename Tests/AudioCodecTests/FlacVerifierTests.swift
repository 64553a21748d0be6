@testable import AudioCodec
import AudioSpoolTestKit
import Foundation
import Testing

/// The verifier must catch a FLAC that does not decode to what went in.
@Suite(.timeLimit(.minutes(3))) struct FlacVerifierTests {
    let directory = TemporaryDirectory()

    /// A FLAC made by the flac command from known samples, and those samples.
    func reference() async throws -> (bytes: [UInt8], samples: [Int32], md5: String) {
        let wav = directory.file("ref.wav")
        try TestSignals.noise(wav, channels: 2, seconds: 0.5)
        let flac = directory.file("ref.flac")
        let made = try await ChildProcess.run("/usr/bin/flac", ["-s", "-f", "-5", "-o", flac, wav])
        try #require(made.status == 0, "\(made.stderr)")
        let samples = try TestSignals.read(wav).1.map { Int32(($0 * 32768).rounded()) }
        let md5 = try await ChildProcess.run("/usr/bin/metaflac", ["--show-md5sum", flac]).stdout
        return (Array(try Data(contentsOf: URL(fileURLWithPath: flac))), samples, md5.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func aMatchingStreamPassesAndGivesFLACsMD5() async throws {
        let (bytes, samples, md5) = try await reference()
        let verifier = try FlacVerifier(channels: 2, bitsPerSample: 16)
        verifier.expect(samples)
        verifier.feed(bytes)
        let digest = try verifier.finish()
        #expect(digest.map { String(format: "%02x", $0) }.joined() == md5)
    }

    @Test func aDifferentSampleIsCaught() async throws {
        var (bytes, samples, _) = try await reference()
        samples[1001] &+= 1
        let verifier = try FlacVerifier(channels: 2, bitsPerSample: 16)
        verifier.expect(samples)
        verifier.feed(bytes)
        #expect { try verifier.finish() } throws: { error in
            (error as? AudioError)?.message.contains("sample 500, channel 1") == true
        }
    }

    @Test func aTruncatedStreamIsCaught() async throws {
        let (bytes, samples, _) = try await reference()
        let verifier = try FlacVerifier(channels: 2, bitsPerSample: 16)
        verifier.expect(samples)
        verifier.feed(Array(bytes.prefix(bytes.count / 2)))
        #expect { try verifier.finish() } throws: { error in
            (error as? AudioError)?.message.contains("FLAC verification failed") == true
        }
    }
}
