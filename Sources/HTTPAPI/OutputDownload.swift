import Basics
import Foundation
import Glibc
import Hummingbird
import NIOCore
import Spool

/// `GET /v1/jobs/{id}/outputs/{name}`: one of the outputs result.json
/// lists, opened beneath the job folder with no symlink followed (the folder
/// is the submitter's), with its sha256 as ETag, and single byte ranges.
struct OutputDownload {
    let api: API

    func response(_ entry: JobCatalog.Entry, name: String, request: Request) throws -> Response {
        guard entry.folder == .done else {
            throw APIError.notFound("job \(entry.id) has no outputs (it is \(api.catalog.state(entry).0.rawValue))")
        }
        let folder = api.catalog.folder(entry)
        guard let result = folder.read(JobResult.self, from: folder.resultFile),
            let output = result.outputs.first(where: { $0.path == name })
        else {
            throw APIError.notFound("job \(entry.id) has no output \(name)")
        }
        let file: OpenFile
        do {
            let directory = try folder.directory()
            file = OpenFile(try directory.openRegular(name, O_RDONLY | O_CLOEXEC))
        } catch {
            // A symlink or anything but a regular file where the output was.
            throw APIError.notFound("job \(entry.id) has no output \(name)")
        }
        var status = stat()
        guard fstat(file.descriptor, &status) == 0 else { throw APIError.notFound("job \(entry.id) has no output \(name)") }
        let size = Int64(status.st_size)
        let etag = "\"\(output.sha256)\""
        var headers: HTTPFields = [
            .contentType: Self.contentType(output.format), .eTag: etag, .acceptRanges: "bytes",
            .contentDisposition: "attachment; filename=\"\(name.replacingOccurrences(of: "\"", with: ""))\"",
        ]
        if let match = request.headers[.ifNoneMatch], match == etag || match == "*" {
            return Response(status: .notModified, headers: headers)
        }
        var range = 0..<size
        var code = HTTPResponse.Status.ok
        if let header = request.headers[.range] {
            guard let parsed = Self.byteRange(header, size: size) else {
                var error = APIError(
                    .rangeNotSatisfiable, "bad_input",
                    "the range \(header) is not within the \(size) bytes of \(name) (one range: bytes=START-END, START-, or -SUFFIX)")
                error.headers[.contentRange] = "bytes */\(size)"
                throw error
            }
            range = parsed
            code = .partialContent
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(size)"
        }
        let span = range
        let body = ResponseBody(contentLength: Int(span.count)) { writer in
            let range = span
            var offset = range.lowerBound
            var buffer = [UInt8](repeating: 0, count: 256 << 10)
            while offset < range.upperBound {
                let want = Int(min(Int64(buffer.count), range.upperBound - offset))
                let count = buffer.withUnsafeMutableBytes { pread(file.descriptor, $0.baseAddress, want, off_t(offset)) }
                guard count > 0 else { throw APIError(.internalServerError, "internal", "\(name) became shorter while it was read") }
                try await writer.write(ByteBuffer(bytes: buffer[0..<count]))
                offset += Int64(count)
            }
            try await writer.finish(nil)
        }
        return Response(status: code, headers: headers, body: body)
    }

    /// `bytes=START-END`, `bytes=START-` or `bytes=-SUFFIX`; one range only.
    static func byteRange(_ header: String, size: Int64) -> Range<Int64>? {
        guard header.hasPrefix("bytes="), size > 0 else { return nil }
        let spec = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash], last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            guard let suffix = Int64(last), suffix > 0 else { return nil }
            return max(0, size - suffix)..<size
        }
        guard let start = Int64(first), start >= 0, start < size else { return nil }
        if last.isEmpty { return start..<size }
        guard let end = Int64(last), end >= start else { return nil }
        return start..<min(end + 1, size)
    }

    static func contentType(_ format: String) -> String {
        switch format {
        case "mp3": "audio/mpeg"
        case "flac": "audio/flac"
        case "wav": "audio/wav"
        case "ogg": "audio/ogg"
        default: "application/octet-stream"
        }
    }
}

/// A descriptor closed when the last response body holding it goes.
final class OpenFile: Sendable {
    let descriptor: Int32

    init(_ descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }
}
