import Basics
import EngineHost
import Foundation
import HTTPConfig
import Hummingbird
import NIOCore
import Logging
import ServiceLifecycle
import Spool
import Webhooks

/// `audiospool serve`: an HTTP server that runs no jobs. It is one more
/// client of the spool: it delivers jobs into `tmp/` → `new/` as `submit`
/// does, reads `cur/`, `done/`, `failed/` and `state/`, and cancels through
/// `cancel/`. It keeps nothing of its own, so any number of them can serve
/// one spool, and a restart loses nothing.
public struct HTTPServer: Sendable {
    public struct Options: Sendable {
        public var spoolDirectory: String
        public var enginesDirectory: String
        public var host = "127.0.0.1"
        public var port = 8080
        public var apiKeysFile: String?

        public init(spoolDirectory: String, enginesDirectory: String) {
            self.spoolDirectory = spoolDirectory
            self.enginesDirectory = enginesDirectory
        }
    }

    public let options: Options
    let spool: Spool
    let config: SpoolConfig
    let settings: HTTPSettings
    let keys: APIKeys?
    let logger: Logger

    /// Checks everything that can be wrong before a port is opened: the
    /// spool, its config, the key file, and listening beyond loopback without keys.
    public init(options: Options, logger: Logger) throws(DocumentError) {
        self.options = options
        self.logger = logger
        spool = Spool(root: options.spoolDirectory)
        guard spool.exists else {
            throw DocumentError("no spool at \(spool.root) (it has no new/ folder); `audiospool run --spool \(spool.root)` makes one")
        }
        config = try spool.loadConfig(checking: [HTTPSettings.self, WebhookSettings.self])
        settings = try config.section(HTTPSettings.self)
        keys = try options.apiKeysFile.map { file throws(DocumentError) in try APIKeys.load(file) }
        if keys == nil, !Self.isLoopback(options.host) {
            throw DocumentError(
                "refusing to listen on \(options.host) without --api-keys: anyone who can reach it could submit and read jobs; give --api-keys FILE, or listen on 127.0.0.1 or ::1")
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Serves until SIGTERM or SIGINT.
    public func run() async throws {
        let notifier = SpoolNotifier(
            spool: spool, logger: logger, watch: config.watch.resolve(at: spool.root, intervalMilliseconds: config.pollIntervalMilliseconds))
        let systemd = SystemdNotifier()
        let api = API(
            spool: spool, enginesDirectory: options.enginesDirectory, config: config, settings: settings, keys: keys,
            notifier: notifier, logger: logger)
        let router = Self.router(api)
        let timeout = TimeAmount.nanoseconds(Int64(settings.headerTimeoutSeconds * 1e9))
        let app = Application(
            router: router,
            // The idle timeout runs from the connection (or the last response)
            // until a request's head has arrived: a client that sends its
            // headers slowly is cut off after header_timeout_s.
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [RequestGuard(settings: settings)],
                    idleTimeout: timeout,
                    httpDecoderConfiguration: .init(
                        maxHeaderFieldSize: settings.maxHeaderBytes, maxHeaderListSize: settings.maxHeaderBytes, maxHeaderFieldCount: 200))),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "audiospool"),
            services: [api.queue],
            onServerRunning: { [logger, systemd] channel in
                let address = channel.localAddress.map { "\($0)" } ?? "?"
                logger.info("serving", metadata: ["address": "\(address)"])
                // Type=notify (deploy/systemd): started once the port is open.
                systemd.ready(status: "listening on \(address)")
            },
            logger: logger)
        // A graceful shutdown reaches the services from the last to the
        // first, each once the one after it has ended: the notifier first,
        // so waiting requests and event streams end and the server can
        // drain; then the notice, so STOPPING=1 leaves when SIGTERM
        // arrives, not once the server has stopped.
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: app), .init(service: SystemdStopNotice(systemd: systemd), successTerminationBehavior: .ignore),
                    .init(service: notifier, successTerminationBehavior: .ignore),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Tells systemd a stop has begun (STOPPING=1) when SIGTERM starts the
/// graceful shutdown.
struct SystemdStopNotice: Service {
    let systemd: SystemdNotifier

    func run() async throws {
        try? await gracefulShutdown()
        if Task.isShuttingDownGracefully { systemd.stopping() }
    }
}
