import Foundation
import Spool

/// `{id}` and `{name}` as they arrive in the path: still percent-encoded,
/// so `..%2F..` or `%00` must be decoded and then refused, never turned
/// into a path. Each is one file name inside one folder.
enum PathParameter {
    static func decode(_ raw: String, what: String) throws(APIError) -> String {
        guard let decoded = raw.removingPercentEncoding else {
            throw APIError.badRequest("the \(what) \"\(raw)\" is not valid percent-encoding")
        }
        guard !decoded.isEmpty, !decoded.contains("/"), !decoded.contains("\0"), decoded != ".", decoded != "..",
            !decoded.hasPrefix(".")
        else {
            throw APIError.badRequest(
                "the \(what) \"\(decoded.debugDescription.dropFirst().dropLast())\" is not one file name (no \"/\", NUL, or leading \".\")")
        }
        return decoded
    }

    static func jobID(_ raw: String) throws(APIError) -> String {
        let id = try decode(raw, what: "job id")
        if let problem = Spool.problem(withJobID: id) { throw APIError.badRequest(problem) }
        return id
    }
}
