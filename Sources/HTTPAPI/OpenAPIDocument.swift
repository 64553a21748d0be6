import CEmbedded
import Foundation

/// openapi.json, the contract of the HTTP API (the source of truth:
/// Tests/DocumentationTests hold the routes to it), compiled into the
/// binary (CEmbedded), so an installed binary serves it too.
enum OpenAPIDocument {
    static let data: Data = {
        var length = 0
        let bytes = audiospool_openapi_document(&length)
        return Data(bytes: bytes!, count: length)
    }()
}
