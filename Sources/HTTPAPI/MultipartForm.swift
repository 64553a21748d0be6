import Foundation

/// `multipart/form-data` (RFC 7578), read from a collected body: each part's
/// field name, file name and bytes. Strict: a malformed body is an error
/// that says what is wrong, never a guess.
struct MultipartForm {
    struct Part {
        var name: String
        var filename: String?
        var data: Data
    }

    var parts: [Part]

    /// The boundary from `multipart/form-data; boundary=…`.
    static func boundary(contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            let value = pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") && pair[1].count >= 2 ? String(pair[1].dropFirst().dropLast()) : pair[1]
            return value.isEmpty || value.utf8.count > 70 ? nil : value
        }
        return nil
    }

    static func parse(_ body: Data, boundary: String) throws(APIError) -> MultipartForm {
        let delimiter = Data("--\(boundary)".utf8)
        let separator = Data("\r\n--\(boundary)".utf8)
        guard body.starts(with: delimiter) else {
            throw APIError.badRequest("the multipart body does not start with its boundary \"--\(boundary)\"")
        }
        var parts: [Part] = []
        var cursor = body.startIndex + delimiter.count
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            let rest = body[cursor...]
            if rest.starts(with: Data("--".utf8)) { break }
            guard rest.starts(with: Data("\r\n".utf8)) else {
                throw APIError.badRequest("the multipart body is malformed: a boundary is not followed by a line end")
            }
            let headerStart = cursor + 2
            guard let headerEnd = body.range(of: Data("\r\n\r\n".utf8), in: headerStart..<body.endIndex) else {
                throw APIError.badRequest("the multipart body is malformed: a part's headers never end")
            }
            guard let next = body.range(of: separator, in: headerEnd.upperBound..<body.endIndex) else {
                throw APIError.badRequest("the multipart body is truncated: its closing boundary \"--\(boundary)--\" is missing")
            }
            let headers = String(decoding: body[headerStart..<headerEnd.lowerBound], as: UTF8.self)
            let (name, filename) = try disposition(headers)
            parts.append(Part(name: name, filename: filename, data: Data(body[headerEnd.upperBound..<next.lowerBound])))
            cursor = next.upperBound
            guard parts.count <= 256 else { throw APIError.badRequest("the multipart body has more than 256 parts") }
        }
        return MultipartForm(parts: parts)
    }

    private static func disposition(_ headers: String) throws(APIError) -> (String, String?) {
        for line in headers.split(separator: "\r\n") {
            let header = line.split(separator: ":", maxSplits: 1)
            guard header.count == 2, header[0].trimmingCharacters(in: .whitespaces).lowercased() == "content-disposition" else { continue }
            var name: String?
            var filename: String?
            for parameter in header[1].split(separator: ";").dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2 else { continue }
                let value = pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") && pair[1].count >= 2 ? String(pair[1].dropFirst().dropLast()) : pair[1]
                switch pair[0].lowercased() {
                case "name": name = value
                case "filename": filename = value
                default: break
                }
            }
            guard let name, !name.isEmpty else { throw APIError.badRequest("a multipart part's Content-Disposition has no name") }
            return (name, filename)
        }
        throw APIError.badRequest("a multipart part has no Content-Disposition header")
    }
}
