import Basics
import EngineProtocol
import Foundation
import Spool
import Testing

/// The spool's documents are written by DocumentEncoder, not Foundation's
/// JSONEncoder: the files must stay byte for byte what they were, so no
/// reader, diff or `jq` script sees a change.
@Suite struct DocumentBytesTests {
    static let claimed = "2026-12-02T06:30:00.123Z"

    static var result: JobResult {
        var output = JobResult.Output(
            path: "output.wav", name: "output", format: "wav", sampleRate: 24000, channels: 1, durationSeconds: 0.1, bytes: 4844,
            sha256: String(repeating: "ab", count: 32))
        output.loudnessLUFS = -16.04
        var result = JobResult(
            id: "job-1", engine: .init(name: "tone", version: "1.0.0"), task: "tone", device: "cpu", fallbackReason: "no GPU free",
            attempts: 2,
            timings: .init(claimedAt: claimed, finishedAt: claimed, engineSeconds: 0.0061, encodeSeconds: 0, totalSeconds: 1e-4),
            outputs: [output, output], metadata: .object(["by": "me/you", "n": 3, "list": .array([1.5, "x", .null, true])]),
            details: ["steps": 12, "voice": "a \"b\"\n"])
        result.idempotencyKey = String(repeating: "0f", count: 32)
        return result
    }

    static var failure: JobFailure {
        var attempt = AttemptRecord(number: 1, host: "host-a", pid: 42, startedAt: claimed)
        attempt.endedAt = claimed
        var failure = JobFailure(
            id: "j", error: .init(kind: .badInput, message: "field \"params.x\": expected a number"), attempts: 1, history: [attempt],
            engine: nil, failedAt: claimed, metadata: nil)
        failure.poison = true
        return failure
    }

    @Test func documentsAreWhatJSONEncoderWrote() throws {
        var status = JobStatus(id: "job-1", state: .running, engine: "tone", attempt: 1, startedAt: Self.claimed)
        status.progress = 0.25
        status.etaSeconds = 1.5
        let owner = Owner(host: "h", bootID: "b", pid: 7, processStart: 123_456, claimedAt: Self.claimed, token: Owner.newToken())
        let foundation = JSONEncoder.document()
        func same(_ document: some Encodable) throws {
            let ours = try JobFolder.bytes(of: document, for: "x.json")
            #expect(String(decoding: ours, as: UTF8.self) == String(decoding: try foundation.encode(document) + Data("\n".utf8), as: UTF8.self))
        }
        try same(Self.result)
        try same(Self.failure)
        try same(status)
        try same(owner)
        try same(Self.failure.history)
    }

    @Test func aNewTokenIs128RandomBitsInHex() {
        let tokens = (0..<200).map { _ in Owner.newToken() }
        #expect(Set(tokens).count == tokens.count)
        #expect(tokens.allSatisfy { $0.count == 32 && $0.allSatisfy(\.isHexDigit) && $0 == $0.lowercased() })
        // Every hex digit turns up in every place: no byte is left constant.
        for place in 0..<32 { #expect(Set(tokens.map { Array($0)[place] }).count > 8, "place \(place)") }
    }
}
