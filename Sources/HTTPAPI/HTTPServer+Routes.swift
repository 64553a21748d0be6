import Basics
import Foundation
import Hummingbird
import HTTPConfig
import Logging
import NIOCore
import Spool
import Synchronization

extension HTTPServer {
    /// Every route, as openapi.json lists them (DocumentationTests holds the
    /// two to the same set).
    static func router(_ api: API) -> Router<BasicRequestContext> {
        let router = Router()
        let table = RouteTable()
        router.add(middleware: ErrorShapeMiddleware(routes: table))
        let jobs = JobRoutes(api: api)
        let speech = SpeechRoutes(api: api)
        let info = InfoRoutes(api: api)
        let feed = EventRoutes(api: api)
        let farm = FarmRoutes(api: api)

        router.get("/healthz") { _, _ in info.health() }
        router.get("/readyz") { _, _ in info.ready() }
        router.get("/openapi.json") { _, _ in info.openAPI() }
        router.get("/") { request, _ in try Dashboard.response("index.html", request: request) }
        router.get("/dashboard/:name") { request, context in
            try Dashboard.response(context.parameters.get("name") ?? "", request: request)
        }

        router.post("/v1/jobs") { request, context in try await jobs.submit(request, context) }
        router.get("/v1/jobs") { request, _ in try jobs.list(request) }
        router.get("/v1/jobs/:id") { request, context in try jobs.get(request, context) }
        router.delete("/v1/jobs/:id") { request, context in try await jobs.cancel(request, context) }
        router.post("/v1/jobs/:id/retry") { request, context in try jobs.retry(request, context) }
        router.get("/v1/jobs/:id/events") { request, context in try jobs.events(request, context) }
        router.get("/v1/jobs/:id/outputs/:name") { request, context in try jobs.output(request, context) }
        router.get("/v1/queue") { request, _ in try info.queue(request) }
        router.get("/v1/engines") { request, _ in try info.engines(request) }
        router.get("/v1/events") { request, _ in try feed.events(request) }
        router.get("/v1/farm") { request, _ in try farm.farm(request) }

        router.post("/v1/audio/speech") { request, context in try await speech.speak(request, context) }
        router.get("/v1/models") { request, _ in try speech.models(request) }
        router.get("/v1/audio/voices") { request, _ in try speech.voices(request) }
        table.set(router.routes.map { ($0.method, $0.path.description) })
        return router
    }
}

/// Every error leaves as `{"error": {"kind", "message"}}`: the router's own
/// (no such route, 405, a body too large) too, not only ours.
struct ErrorShapeMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as OpenAIError {
            throw error
        } catch let error as HTTPError {
            let openAI = request.uri.path.hasPrefix("/v1/audio/") || request.uri.path == "/v1/models"
            if error.status == .notFound, let allowed = routes.methods(for: request.uri.path), !allowed.isEmpty {
                var refusal = APIError(.methodNotAllowed, "method_not_allowed", "\(request.method) is not a method of \(request.uri.path) (it takes \(allowed.joined(separator: ", ")))")
                refusal.headers[.allow] = allowed.joined(separator: ", ")
                throw refusal
            }
            let message = error.body ?? Self.describe(error.status)
            if openAI { throw OpenAIError(error.status, "invalid_request_error", message) }
            throw APIError(error.status, Self.kind(error.status), message)
        } catch {
            // Anything else (a file system error, say): still our shape, and logged.
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            let openAI = request.uri.path.hasPrefix("/v1/audio/") || request.uri.path == "/v1/models"
            if openAI { throw OpenAIError(.internalServerError, "api_error", "\(error)") }
            throw APIError(.internalServerError, "internal", "\(error)")
        }
    }

    static func kind(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 413: "too_large"
        case 401: "unauthorized"
        default: status.code < 500 ? "bad_input" : "internal"
        }
    }

    static func describe(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 404: "no such route (GET /openapi.json lists them)"
        case 405: "this route does not take that method (GET /openapi.json lists them)"
        default: status.reasonPhrase
        }
    }
}

extension HTTPServer {
    /// The routes the server registers, as "METHOD /path/{param}": what
    /// openapi.json must list (DocumentationTests).
    public static var registeredRoutes: [String] {
        let spool = Spool(root: "/nonexistent-spool")
        var quiet = Logger(label: "routes")
        quiet.logLevel = .critical
        let api = API(
            spool: spool, enginesDirectory: "/nonexistent-engines", config: SpoolConfig(), settings: HTTPSettings(), keys: nil,
            notifier: SpoolNotifier(spool: spool, logger: quiet), logger: quiet)
        return router(api).routes.map { route in
            let path = route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            return "\(route.method.rawValue) /" + path.joined(separator: "/")
        }
    }
}

/// The registered routes, for telling "no such path" (404) from "no such
/// method here" (405, with `Allow`).
final class RouteTable: Sendable {
    private let routes = Mutex<[(method: String, segments: [Substring])]>([])

    func set(_ list: [(HTTPRequest.Method, String)]) {
        routes.withLock { $0 = list.map { ($0.0.rawValue, $0.1.split(separator: "/")) } }
    }

    /// The methods some route takes at `path`; nil if none matches it.
    func methods(for path: String) -> [String]? {
        let segments = path.split(separator: "/")
        let methods = routes.withLock { routes in
            routes.filter { route in
                route.segments.count == segments.count
                    && zip(route.segments, segments).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
            }.map(\.method)
        }
        return methods.isEmpty ? nil : Array(Set(methods)).sorted()
    }
}
