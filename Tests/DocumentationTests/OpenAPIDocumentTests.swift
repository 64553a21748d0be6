import AudioSpoolTestKit
import Foundation
import HTTPAPI
import Testing

/// openapi.json is the HTTP API's contract: the routes the server registers
/// are exactly the operations it lists.
@Suite struct OpenAPIDocumentTests {
    func document() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repository.root + "/Sources/HTTPAPI/openapi.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func theRoutesAreTheDocumentsOperations() throws {
        let paths = try #require(try document()["paths"] as? [String: [String: Any]])
        let methods: Set<String> = ["get", "post", "put", "delete", "patch", "head", "options"]
        var documented: Set<String> = []
        for (path, item) in paths {
            for method in item.keys where methods.contains(method) { documented.insert("\(method.uppercased()) \(path)") }
        }
        let registered = Set(HTTPServer.registeredRoutes)
        #expect(registered.count == HTTPServer.registeredRoutes.count)
        #expect(registered == documented, "only registered: \(registered.subtracting(documented).sorted()); only documented: \(documented.subtracting(registered).sorted())")
    }

    @Test func everyOperationHasAnIdAndSaysWhatItAnswers() throws {
        let paths = try #require(try document()["paths"] as? [String: [String: Any]])
        for (path, item) in paths {
            for (method, operation) in item where method != "parameters" {
                let operation = try #require(operation as? [String: Any], "\(method) \(path)")
                #expect(operation["operationId"] is String, "\(method) \(path)")
                #expect((operation["responses"] as? [String: Any])?.isEmpty == false, "\(method) \(path)")
            }
        }
    }
}
