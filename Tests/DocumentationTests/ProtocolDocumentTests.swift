import EngineHost
import EngineProtocol
import Foundation
import Testing

/// PROTOCOL.md is the contract for engines; these tests keep it true.
@Suite struct ProtocolDocumentTests {
    let document: Markdown

    init() throws {
        document = try Markdown("PROTOCOL.md")
    }

    @Test func theMethodsAreTheHostsMethods() {
        let methods: Set = [Method.initialize, Method.run, Method.progress, Method.cancel, Method.ping, Method.shutdown]
        #expect(document.names(after: "Messages") == methods)
    }

    @Test func everyErrorKindIsDocumentedWithItsCode() {
        let rows = document.table(after: "Errors")
        #expect(Set(rows.map { $0[0].replacingOccurrences(of: "`", with: "") }) == Set(ErrorKind.allCases.map(\.rawValue)))
        for row in rows {
            let kind = ErrorKind(rawValue: row[0].replacingOccurrences(of: "`", with: ""))
            #expect(kind?.code == Int(row[1]), "\(row[0])")
            #expect(row[4].contains("retries") == kind?.isRetryable, "\(row[0]): \(row[4])")
        }
    }

    @Test func initializeFieldsAreTheMessagesFields() throws {
        #expect(document.names(after: "initialize") == (try keys(of: InitializeParams(engine: "x", voiceBank: "/s/voices/x"))))
        let result = InitializeResult(engine: EngineInfo(name: "x", version: "1", tasks: []))
        #expect(document.table(after: "initialize").isEmpty == false)
        let resultRows = tables(after: "initialize")[1]
        #expect(Set(resultRows.map { $0[0].replacingOccurrences(of: "`", with: "") }) == (try keys(of: result)))
        let info = EngineInfo(name: "x", version: "1", tasks: [], voices: [], sampleRates: [], concurrency: 1)
        for key in try keys(of: info) { #expect(resultRows[1][1].contains("`\(key)`"), "\(key)") }
    }

    @Test func runFieldsAreTheMessagesFields() throws {
        let params = RunParams(jobID: "j", task: "t", text: "x", workDir: "/w")
        #expect(document.names(after: "run") == (try keys(of: params)))
        let resultRows = tables(after: "run")[1]
        #expect(Set(resultRows.map { $0[0].replacingOccurrences(of: "`", with: "") }) == (try keys(of: RunResult(outputs: [], details: [:], words: []))))
    }

    @Test func progressAndCancelFieldsAreTheMessagesFields() throws {
        let progress = ProgressParams(id: .int(1), progress: 0.5, message: "m", segmentsDone: 1, segmentsTotal: 2)
        #expect(document.names(after: "progress") == (try keys(of: progress)))
        #expect(document.names(after: "cancel") == (try keys(of: CancelParams(id: .int(1)))))
    }

    @Test func theManifestFieldsAreWhatTheParserAccepts() {
        let accepted = knownFields(
            { _ = try EngineManifest.parse($0, directory: "/e/x") }, base: #"{"command": ["x"], "tasks": {"t": {}}}"#)
        #expect(!accepted.isEmpty)
        #expect(document.names(after: "The manifest: engine.json") == accepted)
    }

    func tables(after heading: String) -> [[[String]]] {
        document.tables(after: heading)
    }
}
