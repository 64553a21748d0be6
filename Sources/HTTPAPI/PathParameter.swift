import Foundation
import Spool

/// `{id}` and `{name}` as they arrive in the path: still percent-encoded,
/// so `..%2F..` or `%00` must be decoded and then refused, never turned
/// into a path. Each is one file name inside one folder.
enum PathParameter {
    static func decode(_ raw: String, what: String) throws(APIError) -> String {
        // By bytes: Foundation's decoding and substring search were a fifth of a status request.
        let percent = raw.utf8.contains(UInt8(ascii: "%"))
        guard let decoded = percent ? raw.removingPercentEncoding : raw else {
            throw APIError.badRequest("the \(what) \"\(raw)\" is not valid percent-encoding")
        }
        let bytes = decoded.utf8
        guard let first = bytes.first, first != UInt8(ascii: "."), !bytes.contains(where: { $0 == UInt8(ascii: "/") || $0 == 0 }) else {
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
