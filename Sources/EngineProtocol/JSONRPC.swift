import Basics
import Foundation

/// A JSON-RPC 2.0 request id. The host sends integers; an engine echoes them.
public enum RequestID: Sendable, Hashable, Codable, CustomStringConvertible {
    case int(Int)
    case string(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        }
    }

    public var description: String {
        switch self {
        case .int(let value): String(value)
        case .string(let value): value
        }
    }
}

/// A request: it must be answered by exactly one response with the same id.
public struct Request<Params: Codable & Sendable>: Codable, Sendable {
    public var jsonrpc = "2.0"
    public var id: RequestID
    public var method: String
    public var params: Params

    public init(id: RequestID, method: String, params: Params) {
        self.id = id
        self.method = method
        self.params = params
    }
}

/// A notification: no id, never answered.
public struct Notification<Params: Codable & Sendable>: Codable, Sendable {
    public var jsonrpc = "2.0"
    public var method: String
    public var params: Params

    public init(method: String, params: Params) {
        self.method = method
        self.params = params
    }
}

/// A successful response.
public struct Response<Result: Sendable>: Sendable {
    public var jsonrpc = "2.0"
    public var id: RequestID
    public var result: Result

    public init(id: RequestID, result: Result) {
        self.id = id
        self.result = result
    }
}

extension Response: Encodable where Result: Encodable {}
extension Response: Decodable where Result: Decodable {}

/// A failed response.
public struct ErrorResponse: Codable, Sendable {
    public var jsonrpc = "2.0"
    public var id: RequestID?
    public var error: RPCError

    public init(id: RequestID?, error: RPCError) {
        self.id = id
        self.error = error
    }
}

/// The error object of a failed response. `data.kind` says what the host
/// should do; `code` mirrors it for generic JSON-RPC tooling.
public struct RPCError: Codable, Sendable, Error, Equatable {
    public var code: Int
    public var message: String
    public var data: Data?

    public struct Data: Codable, Sendable, Equatable {
        public var kind: ErrorKind?
        public var detail: JSONValue?

        public init(kind: ErrorKind?, detail: JSONValue? = nil) {
            self.kind = kind
            self.detail = detail
        }

        enum CodingKeys: String, CodingKey { case kind, detail }

        /// A kind this host does not know is read as none, so the error
        /// still counts (by its code) instead of breaking the line.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            kind = (try? container.decodeIfPresent(String.self, forKey: .kind)).flatMap { $0.flatMap(ErrorKind.init(rawValue:)) }
            detail = try container.decodeIfPresent(JSONValue.self, forKey: .detail)
        }
    }

    public init(kind: ErrorKind, message: String, detail: JSONValue? = nil) {
        self.code = kind.code
        self.message = message
        self.data = Data(kind: kind, detail: detail)
    }

    public init(code: Int, message: String) {
        self.code = code
        self.message = message
        self.data = nil
    }

    /// The kind the host acts on. An error without a valid kind is treated as
    /// an engine bug (`internal`), so a sloppy engine cannot cause retry loops.
    public var kind: ErrorKind {
        if let kind = data?.kind { return kind }
        return ErrorKind.engineReported.first { $0.code == code } ?? .internal
    }

    // Standard JSON-RPC codes, for protocol-level failures.
    public static let parseError = -32700
    public static let invalidRequest = -32600
    public static let methodNotFound = -32601
    public static let invalidParams = -32602
}

/// The fields every incoming line is looked at first, to route it: a response
/// has an `id` and no `method`; a notification has a `method` and no `id`.
public struct Envelope: Decodable, Sendable {
    public var jsonrpc: String?
    public var id: RequestID?
    public var method: String?
    public var error: RPCError?
    /// Whether a `result` member is present (its value is decoded later,
    /// once the request it answers is known).
    public var hasResult: Bool

    enum CodingKeys: String, CodingKey {
        case jsonrpc, id, method, error, result
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        jsonrpc = try container.decodeIfPresent(String.self, forKey: .jsonrpc)
        id = try container.decodeIfPresent(RequestID.self, forKey: .id)
        method = try container.decodeIfPresent(String.self, forKey: .method)
        error = try container.decodeIfPresent(RPCError.self, forKey: .error)
        hasResult = container.contains(.result)
    }

    public var isResponse: Bool { method == nil && id != nil && (hasResult || error != nil) }
    public var isNotification: Bool { method != nil && id == nil }
    public var isRequest: Bool { method != nil && id != nil }
}

/// Parameters or results with no fields (`ping`, `shutdown`).
public struct Empty: Codable, Sendable, Equatable {
    public init() {}
}
