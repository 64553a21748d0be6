import Basics
@testable import EngineCheck
import EngineHost
import Testing

/// What the check reads from the lines that crossed: each misstep lands
/// under its rule, and the order of lines tells what came first.
@Suite struct TranscriptTests {
    static func transcript(_ lines: [String]) -> Transcript {
        let transcript = Transcript()
        for line in lines {
            transcript.record(line.hasPrefix("> ") ? .toEngine : .fromEngine, String(line.dropFirst(2)))
        }
        return transcript
    }

    static func failures(_ lines: [String]) -> [CheckRule: String] {
        var findings = Findings()
        transcript(lines).analyse(into: &findings, complete: true)
        var failed: [CheckRule: String] = [:]
        for outcome in findings.outcomes() where outcome.status == .failed { failed[outcome.rule] = outcome.reason }
        return failed
    }

    static let run2 = #"> {"jsonrpc":"2.0","id":2,"method":"run","params":{"job_id":"check-a","task":"tts","params":{},"inputs":{},"work_dir":"/w","attempt":1}}"#
    static let result2 = #"< {"jsonrpc":"2.0","id":2,"result":{"outputs":[{"name":"output","path":"output.wav"}]}}"#

    @Test func progressAfterTheAnswerFailsProgress() {
        let failed = Self.failures([
            Self.run2, #"< {"jsonrpc":"2.0","method":"progress","params":{"id":2,"progress":0.5}}"#, Self.result2,
            #"< {"jsonrpc":"2.0","method":"progress","params":{"id":2,"progress":1.0}}"#,
        ])
        #expect(Set(failed.keys) == [.progress])
        #expect(failed[.progress]?.contains("after its answer") == true, "\(failed)")
    }

    @Test func progressBeforeTheAnswerPasses() {
        #expect(Self.failures([Self.run2, #"< {"jsonrpc":"2.0","method":"progress","params":{"id":2,"progress":1.0}}"#, Self.result2]).isEmpty)
    }

    /// A cancel is a notification: an answer to the id it named answers nothing.
    @Test func answeringACancelForAnIdNeverSentFailsUnknownCancel() {
        let failed = Self.failures([
            #"> {"jsonrpc":"2.0","method":"cancel","params":{"id":1000000}}"#,
            #"< {"jsonrpc":"2.0","id":1000000,"error":{"code":-32602,"message":"no such run"}}"#,
        ])
        #expect(Set(failed.keys) == [.unknownCancel], "\(failed)")
        #expect(Self.failures([#"< {"jsonrpc":"2.0","id":7,"result":{}}"#]).keys.contains(.oneResponse))
    }

    /// The check's probes are answered with a protocol code, without a kind; that is no error-kinds failure. A job's run is.
    @Test func aKindlessErrorFailsErrorKindsOnlyForARealRun() {
        let probe = #"> {"jsonrpc":"2.0","id":3,"method":"run","params":{"job_id":"check-probe-no-work-dir","task":"tts"}}"#
        #expect(Self.failures([probe, #"< {"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"no work_dir"}}"#]).isEmpty)
        let failed = Self.failures([Self.run2, #"< {"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"no work_dir"}}"#])
        #expect(Set(failed.keys) == [.errorKinds], "\(failed)")
    }

    @Test func positionsTellWhatCameFirst() {
        let transcript = Self.transcript([
            Self.run2,
            #"> {"jsonrpc":"2.0","id":3,"method":"ping"}"#,
            #"< {"jsonrpc":"2.0","method":"progress","params":{"id":2,"progress":0.25}}"#,
            Self.result2,
            #"< {"jsonrpc":"2.0","id":3,"result":{}}"#,
        ])
        let run = transcript.run("check-a")
        #expect(run.request?.index == 0 && run.request?.id == "2")
        #expect(run.answer == 3)
        #expect(run.progress.map(\.index) == [2] && run.progress.map(\.value) == [0.25])
        let ping = transcript.positions(of: "ping", after: 0)
        #expect(ping.request?.id == "3" && ping.answer == 4)
        #expect(transcript.run("check-b").request == nil)
    }
}
