import Basics
import Foundation
import Hummingbird

/// An error as every route but OpenAI's answers it: `{"error": {"kind",
/// "message"}}`, the kind the spool's word where one applies (`bad_input`,
/// `unsupported`, …) and the message what a dropped job would get.
struct APIError: HTTPResponseError {
    var status: HTTPResponse.Status
    var kind: String
    var message: String
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ kind: String, _ message: String) {
        self.status = status
        self.kind = kind
        self.message = message
    }

    static func badRequest(_ message: String, kind: String = "bad_input") -> APIError {
        APIError(.badRequest, kind, message)
    }

    static func notFound(_ what: String) -> APIError {
        APIError(.notFound, "not_found", what)
    }

    static let unauthorized = APIError(.unauthorized, "unauthorized", "this API needs a key: send \"Authorization: Bearer KEY\"")

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body: JSONValue = .object(["error": .object(["kind": .string(kind), "message": .string(message)])])
        var response = JSONResponse.make(body, status: status)
        response.headers.append(contentsOf: headers)
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }
}

/// OpenAI's error shape, so its SDKs raise the matching exception
/// (`BadRequestError`, `AuthenticationError`, `RateLimitError`, …).
struct OpenAIError: HTTPResponseError {
    var status: HTTPResponse.Status
    var type: String
    var message: String
    var param: String?
    var code: String?
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ type: String, _ message: String, param: String? = nil, code: String? = nil) {
        self.status = status
        self.type = type
        self.message = message
        self.param = param
        self.code = code
    }

    static func invalid(_ message: String, param: String? = nil) -> OpenAIError {
        OpenAIError(.badRequest, "invalid_request_error", message, param: param)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let error: [String: JSONValue] = [
            "message": .string(message), "type": .string(type),
            "param": param.map(JSONValue.string) ?? .null, "code": code.map(JSONValue.string) ?? .null,
        ]
        var response = JSONResponse.make(JSONValue.object(["error": JSONValue.object(error)]), status: status)
        response.headers.append(contentsOf: headers)
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }
}

/// JSON bodies, written with the spool's document encoder (sorted keys).
enum JSONResponse {
    /// Compact, keys sorted, slashes left as they are: JSONEncoder's bytes
    /// with `sortedKeys` and `withoutEscapingSlashes`, for less of its cost.
    static let encoder = DocumentEncoder.line(sortedKeys: true)

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        make(body: body(value), status: status, headers: headers)
    }

    /// A JSON document and a newline, as a response body.
    static func body(_ value: some Encodable) -> ByteBuffer {
        var bytes = (try? encoder.bytes(value)) ?? Array("{}".utf8)
        bytes.append(0x0A)
        return ByteBuffer(bytes: bytes)
    }

    static func make(body: ByteBuffer, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: body))
    }
}
