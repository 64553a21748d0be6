import CEmbedded
import Foundation
import Hummingbird
import NIOCore

/// The web dashboard at `/`: static files compiled into the binary
/// (CEmbedded), that talk only to the documented /v1 API. Every answer
/// carries a strict Content-Security-Policy: the page has no inline script
/// or style, so nothing injected into it could run.
enum Dashboard {
    struct File: Sendable {
        var contentType: String
        var bytes: ByteBuffer
        var etag: String
    }

    static let files: [String: File] = {
        var files: [String: File] = [:]
        for index in 0..<audiospool_dashboard_file_count() {
            let file = audiospool_dashboard_file_at(index).pointee
            let bytes = UnsafeRawBufferPointer(start: file.bytes, count: file.length)
            let name = String(cString: file.name)
            files[name] = File(
                contentType: String(cString: file.content_type), bytes: ByteBuffer(bytes: bytes),
                etag: "\"" + String(Self.digest(bytes), radix: 16) + "\"")
        }
        return files
    }()

    /// The policy: our own scripts, styles and API only; audio from the
    /// API or from blobs the page fetched with its key; no frames, forms or plugins.
    static let contentSecurityPolicy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'", "media-src 'self' blob:",
        "connect-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    static func response(_ name: String, request: Request) throws(APIError) -> Response {
        guard let file = files[name] else { throw APIError.notFound("no dashboard file \(name)") }
        var headers: HTTPFields = [
            .contentType: file.contentType, .eTag: file.etag, .cacheControl: "no-cache",
            .init("Content-Security-Policy")!: contentSecurityPolicy,
            .init("X-Content-Type-Options")!: "nosniff",
            .init("X-Frame-Options")!: "DENY",
            .init("Referrer-Policy")!: "no-referrer",
        ]
        if request.headers[.ifNoneMatch] == file.etag {
            headers[.contentLength] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: file.bytes))
    }

    /// FNV-1a: an ETag that changes with the file (not a security measure).
    static func digest(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return hash
    }
}
