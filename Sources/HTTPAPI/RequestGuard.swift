import Basics
import Foundation
import HTTPConfig
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Watches each connection between NIO's HTTP decoder and Hummingbird:
///
/// - A request head NIO's decoder refuses (over `http.max_header_bytes`, or
///   malformed) would get Hummingbird's bare 400 with no body; it gets our
///   JSON error here instead (431 for a head too large), and the
///   connection is closed, as it must be: the decoder cannot go on.
/// - A body must keep coming: by `header_timeout_s` after its head plus a
///   second per `min_body_bytes_per_s` bytes received. A body sent a byte
///   at a time is cut (408 if nothing was answered yet) and the connection
///   closed. A body that stops outright meets Hummingbird's idle timeout first.
final class RequestGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let settings: HTTPSettings
    /// When the body of the request being read began, and how much of it came.
    private var bodyStart: NIODeadline?
    private var bodyBytes = 0
    /// Whether the current request has been answered (its response head written).
    private var answered = false
    private var closing = false

    init(settings: HTTPSettings) {
        self.settings = settings
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .head:
            bodyStart = .now()
            bodyBytes = 0
            answered = false
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            if let start = bodyStart {
                let allowed = settings.headerTimeoutSeconds + Double(bodyBytes) / Double(settings.minBodyBytesPerSecond)
                let elapsed = Double((NIODeadline.now() - start).nanoseconds) / 1e9
                if elapsed > allowed {
                    let message =
                        "the request body came too slowly: \(bodyBytes) bytes in \(Int(elapsed)) s (http.min_body_bytes_per_s is \(settings.minBodyBytesPerSecond), after header_timeout_s \(settings.headerTimeoutSeconds))"
                    refuse(context, .requestTimeout, "timeout", message)
                    return
                }
            }
        case .end:
            bodyStart = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head: answered = true
        // Answered and read to its end: the next request on this connection is unanswered.
        case .end where bodyStart == nil: answered = false
        default: break
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parse = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        guard !closing else { return }
        if case .headerOverflow = parse {
            refuse(
                context, .requestHeaderFieldsTooLarge, "too_large",
                "the request head is over the limit of \(settings.maxHeaderBytes) bytes (http.max_header_bytes)")
        } else {
            refuse(context, .badRequest, "bad_input", "the request is not valid HTTP/1.1 (\(parse))")
        }
    }

    /// Answers with our error unless the request was answered already, then closes.
    private func refuse(_ context: ChannelHandlerContext, _ status: HTTPResponse.Status, _ kind: String, _ message: String) {
        closing = true
        guard !answered else {
            context.close(promise: nil)
            return
        }
        let body = JSONResponse.body(JSONValue.object(["error": .object(["kind": .string(kind), "message": .string(message)])]))
        let head = HTTPResponse(
            status: status,
            headerFields: [.contentType: "application/json", .contentLength: String(body.readableBytes), .connection: "close"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        written.futureResult.whenComplete { _ in bound.value.close(promise: nil) }
    }
}
