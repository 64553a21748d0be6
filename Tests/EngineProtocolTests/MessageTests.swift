import EngineProtocol
import Foundation
import Testing

@Suite struct MessageTests {
    let codec = LineCodec()

    @Test func requestsAreOneCompactLine() throws {
        let params = RunParams(jobID: "j1", task: "tts", text: "line one\nline two", params: ["speed": 1.5], workDir: "/w")
        let bytes = try codec.encode(Request(id: .int(7), method: Method.run, params: params))
        #expect(bytes.last == 0x0A)
        #expect(bytes.dropLast().contains(0x0A) == false, "a newline inside a string must be escaped")
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\"job_id\":\"j1\""))
        #expect(text.contains("\"work_dir\":\"/w\""))
        #expect(text.contains("\"speed\":1.5"))
        #expect(text.contains("\"jsonrpc\":\"2.0\""))
    }

    @Test func initializeRoundTripsWithSnakeCaseKeys() throws {
        let result = InitializeResult(
            engine: EngineInfo(
                name: "piper", version: "1.2", tasks: ["tts"],
                voices: [Voice(id: "en_US-joe-medium", language: "en_US", sampleRate: 22050, speakers: nil)],
                sampleRates: [22050], concurrency: 2))
        let line = String(decoding: try codec.encode(Response(id: .int(1), result: result)), as: UTF8.self)
        #expect(line.contains("\"protocol_version\":1"))
        #expect(line.contains("\"sample_rates\":[22050]"))
        #expect(line.contains("\"sample_rate\":22050"))
        let decoded = try codec.decode(Response<InitializeResult>.self, from: line)
        #expect(decoded.result == result)
    }

    @Test func envelopeTellsResponsesFromNotifications() throws {
        let response = try codec.envelope(of: #"{"jsonrpc":"2.0","id":3,"result":{"outputs":[]}}"#)
        #expect(response.isResponse && !response.isNotification)
        #expect(response.id == .int(3))

        let failure = try codec.envelope(of: #"{"jsonrpc":"2.0","id":4,"error":{"code":-32001,"message":"bad","data":{"kind":"bad_input"}}}"#)
        #expect(failure.isResponse)
        #expect(failure.error?.kind == .badInput)

        let progress = try codec.envelope(of: #"{"jsonrpc":"2.0","method":"progress","params":{"id":3,"progress":0.5}}"#)
        #expect(progress.isNotification && !progress.isResponse)

        let request = try codec.envelope(of: #"{"jsonrpc":"2.0","id":"x","method":"hello"}"#)
        #expect(request.isRequest)
        #expect(request.id == .string("x"))
    }

    @Test func anErrorWithoutAKindIsReadFromItsCodeOrElseInternal() {
        #expect(RPCError(code: -32003, message: "oom").kind == .oom)
        #expect(RPCError(code: -32800, message: "stop").kind == .cancelled)
        // An unknown code must not make the host retry forever.
        #expect(RPCError(code: 12345, message: "?").kind == .internal)
        #expect(RPCError(code: RPCError.methodNotFound, message: "?").kind == .internal)
    }

    @Test func everyKindHasItsOwnCode() {
        let codes = ErrorKind.allCases.map(\.code)
        #expect(Set(codes).count == codes.count)
    }

    @Test func onlyPassingFailuresAreRetried() {
        let retried = ErrorKind.allCases.filter(\.isRetryable)
        #expect(Set(retried) == [.oom, .transient, .engineCrashed, .timeout])
    }

    @Test func progressCarriesSegments() throws {
        let line = #"{"jsonrpc":"2.0","method":"progress","params":{"id":9,"progress":0.25,"segments_done":1,"segments_total":4,"message":"s1"}}"#
        let message = try codec.decode(Notification<ProgressParams>.self, from: line)
        #expect(message.params == ProgressParams(id: .int(9), progress: 0.25, message: "s1", segmentsDone: 1, segmentsTotal: 4))
    }

    /// PROTOCOL.md, "Errors": a kind the host does not know is read by the
    /// code, and no kind at all by the code too, else internal.
    @Test func anErrorKindThisHostDoesNotKnowFallsBackToTheCode() throws {
        let unknown = try codec.envelope(of: #"{"jsonrpc":"2.0","id":3,"error":{"code":-32004,"message":"m","data":{"kind":"sleepy"}}}"#)
        #expect(unknown.error?.kind == .transient)
        let none = try codec.envelope(of: #"{"jsonrpc":"2.0","id":3,"error":{"code":-32001,"message":"m"}}"#)
        #expect(none.error?.kind == .badInput)
        let neither = try codec.envelope(of: #"{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"m","data":{"kind":7}}}"#)
        #expect(neither.error?.kind == .internal)
    }

    @Test func outputNamesFollowTheProtocol() {
        for name in ["output", "vocals", "take_2", "A-b"] { #expect(OutputFile.isValidName(name), "\(name)") }
        for name in ["", "job", "segments", "work", "a.b", "../x", "ünïcode", String(repeating: "x", count: 65)] {
            #expect(!OutputFile.isValidName(name), "\(name)")
        }
    }
}
