import Foundation

/// openapi.json, the contract of the HTTP API (the source of truth:
/// Tests/DocumentationTests hold the routes to it), shipped as a resource.
enum OpenAPIDocument {
    static let data: Data = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
            let data = try? Data(contentsOf: url)
        else { return Data("{}".utf8) }
        return data
    }()
}
