import AudioSpoolTestKit
import EngineCheck
import EngineProtocol
import Foundation
import Testing

/// PROTOCOL.md and schemas/ are one truth: every error code, kind and
/// example message of the document is accepted by the schemas, the schemas
/// accept no code the document does not give, and every rule `engines
/// check` runs is named in the document. The examples are checked with
/// jsonschema (python3-jsonschema), as schemas/validate.py is.
@Suite struct ProtocolSchemaDocumentTests {
    let document: Markdown
    let errorSchema: [String: Any]

    init() throws {
        document = try Markdown("PROTOCOL.md")
        let data = try Data(contentsOf: URL(fileURLWithPath: Repository.root + "/schemas/error.response.json"))
        errorSchema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The kinds table of "Errors": kind → code.
    var documentedKinds: [String: Int] {
        Dictionary(uniqueKeysWithValues: document.table(after: "Errors").compactMap { row in
            Int(row[1]).map { (row[0].replacingOccurrences(of: "`", with: ""), $0) }
        })
    }

    /// The protocol-level codes table of "Errors": code → when.
    var documentedProtocolCodes: [Int: String] {
        let tables = document.tables(after: "Errors")
        guard tables.count >= 2 else { return [:] }
        return Dictionary(uniqueKeysWithValues: tables[1].compactMap { row in Int(row[0]).map { ($0, row[1]) } })
    }

    @Test func theProtocolCodesAreTheHostsAndTheSchemasCodes() throws {
        let codes = documentedProtocolCodes
        #expect(Set(codes.keys) == [RPCError.parseError, RPCError.invalidRequest, RPCError.methodNotFound, RPCError.invalidParams])
        let error = try #require((errorSchema["properties"] as? [String: Any])?["error"] as? [String: Any])
        let code = try #require((error["properties"] as? [String: Any])?["code"] as? [String: Any])
        let schemaCodes = Set(try #require(code["enum"] as? [Int]))
        #expect(schemaCodes == Set(codes.keys).union(documentedKinds.values), "the schema's codes are the document's")
        // The codes whose id may be null are the ones the document says so of.
        let then = try #require(errorSchema["then"] as? [String: Any])
        let nullable = ((((then["properties"] as? [String: Any])?["error"] as? [String: Any])?["properties"] as? [String: Any])?["code"]
            as? [String: Any])?["enum"] as? [Int]
        #expect(Set(nullable ?? []) == Set(codes.filter { $0.value.contains("`id` is null") }.keys))
        let readme = try String(contentsOfFile: Repository.root + "/schemas/README.md", encoding: .utf8)
        for code in codes.keys { #expect(readme.contains("\(code)"), "schemas/README.md names \(code)") }
    }

    @Test func theKindsAreTheSchemasKinds() throws {
        let kinds = documentedKinds
        #expect(Set(kinds.keys) == Set(ErrorKind.allCases.map(\.rawValue)))
        let text = try String(contentsOfFile: Repository.root + "/schemas/error.response.json", encoding: .utf8)
        for (kind, code) in kinds {
            #expect(text.contains("\"kind\": {\"const\": \"\(kind)\"}"), "the schema ties \(kind) to a code")
            #expect(text.contains("\(kind) \(code)"), "the schema's comment gives \(kind) \(code)")
        }
    }

    /// Every documented kind and code, as an engine would send it, and the
    /// document's own error examples, are accepted; an undocumented code and
    /// a kind with another kind's code are not (so the check can fail).
    @Test func everyDocumentedErrorIsAcceptedByTheSchema() async throws {
        var accepted: [String] = []
        for (kind, code) in documentedKinds.sorted(by: { $0.key < $1.key }) {
            accepted.append(#"{"jsonrpc":"2.0","id":7,"error":{"code":\#(code),"message":"m","data":{"kind":"\#(kind)"}}}"#)
        }
        for (code, when) in documentedProtocolCodes.sorted(by: { $0.key < $1.key }) {
            accepted.append(#"{"jsonrpc":"2.0","id":7,"error":{"code":\#(code),"message":"m"}}"#)
            accepted.append(#"{"jsonrpc":"2.0","id":7,"error":{"code":\#(code),"message":"m","data":{"detail":"d"}}}"#)
            if when.contains("`id` is null") { accepted.append(#"{"jsonrpc":"2.0","id":null,"error":{"code":\#(code),"message":"m"}}"#) }
        }
        let examples = jsonBlocks().filter { $0.contains("\"jsonrpc\"") && $0.contains("\"error\"") }
        #expect(!examples.isEmpty, "PROTOCOL.md shows an error response")
        accepted += examples
        #expect(accepted.count >= 8 + 4 * 2 + 2)
        let failures = try await Self.validate(accepted, schema: "error.response.json")
        #expect(failures.isEmpty, "\(failures)")

        let rejected = [
            #"{"jsonrpc":"2.0","id":7,"error":{"code":-32603,"message":"m"}}"#,
            #"{"jsonrpc":"2.0","id":7,"error":{"code":-32001,"message":"m"}}"#,
            #"{"jsonrpc":"2.0","id":7,"error":{"code":-32002,"message":"m","data":{"kind":"bad_input"}}}"#,
            #"{"jsonrpc":"2.0","id":null,"error":{"code":-32601,"message":"m"}}"#,
        ]
        let refused = try await Self.validate(rejected, schema: "error.response.json")
        #expect(refused.count == rejected.count, "\(refused)")
    }

    /// The example sessions (`host →`, `eng  ←` lines) through
    /// schemas/validate.py, and the example manifest.
    @Test func theDocumentsExamplesMatchTheSchemas() async throws {
        let directory = TemporaryDirectory()
        var sessions: [[String]] = []
        var current: [String]?
        for line in document.lines {
            if line.hasPrefix("```") {
                if let block = current, !block.isEmpty { sessions.append(block) }
                current = current == nil ? [] : nil
            } else if line.hasPrefix("host → ") {
                current?.append("> " + line.dropFirst(7))
            } else if line.hasPrefix("eng  ← ") {
                current?.append("< " + line.dropFirst(7))
            }
        }
        #expect(sessions.count >= 3)
        let files = sessions.enumerated().map { directory.write("session-\($0.offset).txt", $0.element.joined(separator: "\n") + "\n") }
        let result = try await ChildProcess.run("/usr/bin/env", ["python3", Repository.root + "/schemas/validate.py"] + files)
        #expect(result.status == 0, "\(result.summary)")

        let manifests = jsonBlocks().filter { $0.contains("\"command\"") }
        #expect(manifests.count == 1)
        for manifest in manifests {
            let name = try #require(try JSONSerialization.jsonObject(with: Data(manifest.utf8)) as? [String: Any])["name"] as? String ?? "x"
            try FileManager.default.createDirectory(atPath: directory.file(name), withIntermediateDirectories: true)
            let file = directory.write(name + "/engine.json", manifest)
            let checked = try await ChildProcess.run("/usr/bin/env", ["python3", Repository.root + "/schemas/validate.py", "--manifest", file])
            #expect(checked.status == 0, "\(checked.summary)")
        }
    }

    @Test func everyRuleTheCheckerRunsIsNamedInTheDocument() {
        let rows = document.table(after: "What `engines check` checks")
        #expect(Set(rows.map { $0[0].replacingOccurrences(of: "`", with: "") }) == Set(CheckRule.allCases.map(\.rawValue)))
        for row in rows { #expect(row.count == 3 && row[2].contains("](#"), "\(row[0]) names the part of the document it checks") }
    }

    /// Every `(#anchor)` link goes to a heading of the document.
    @Test func everyLinkInsideTheDocumentHasItsHeading() {
        let anchors = Set(document.lines.filter { $0.hasPrefix("#") }.map { Self.slug($0.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)) })
        let text = document.lines.joined(separator: "\n")
        var links: [String] = []
        var rest = text[...]
        while let range = rest.range(of: "](#") {
            let tail = rest[range.upperBound...]
            guard let end = tail.firstIndex(of: ")") else { break }
            links.append(String(tail[..<end]))
            rest = tail[end...]
        }
        #expect(links.count > 10)
        for link in links { #expect(anchors.contains(link), "no heading for #\(link)") }
    }

    // MARK: Helpers

    /// The ```json blocks of the document, each as one string.
    func jsonBlocks() -> [String] {
        var blocks: [String] = []
        var current: [String]?
        for line in document.lines {
            if line == "```json" {
                current = []
            } else if line.hasPrefix("```") {
                if let block = current { blocks.append(block.joined(separator: "\n")) }
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    /// GitHub's anchor for a heading.
    static func slug(_ heading: String) -> String {
        String(heading.lowercased().compactMap { character -> Character? in
            if character == " " { return "-" }
            return character.isLetter || character.isNumber || character == "-" || character == "_" ? character : nil
        })
    }

    /// The messages the schema rejects, each with jsonschema's reason.
    static func validate(_ messages: [String], schema: String) async throws -> [String] {
        let directory = TemporaryDirectory()
        let file = directory.write("messages.jsonl", messages.joined(separator: "\n") + "\n")
        let script = """
            import json, sys, jsonschema
            validator = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
            for line in open(sys.argv[2]):
                errors = list(validator.iter_errors(json.loads(line)))
                if errors: print(line.strip(), "--", errors[0].message)
            """
        let result = try await ChildProcess.run("/usr/bin/env", ["python3", "-c", script, Repository.root + "/schemas/" + schema, file])
        #expect(result.status == 0, "\(result.summary)")
        return result.stdout.split(separator: "\n").map(String.init)
    }
}
