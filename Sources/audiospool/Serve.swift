import ArgumentParser
import Basics
import Foundation
import Glibc
import HTTPAPI
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the spool over HTTP: the jobs API, OpenAI's speech API, and their OpenAPI contract.",
        discussion: """
            Runs no jobs: it submits into the spool as `submit` does and reads the folders,
            so run `audiospool run` beside it (HTTP.md). Without --api-keys it listens only
            on loopback.
            """)

    @OptionGroup var spool: SpoolOptions
    @OptionGroup var engines: EnginesOptions

    @Option(help: ArgumentHelp("Where to listen.", valueName: "host:port"))
    var listen = "127.0.0.1:8080"

    @Option(help: ArgumentHelp("API keys, one name:key (or name:key:admin) per line; every /v1 request then needs one.", valueName: "file"))
    var apiKeys: String?

    func run() async throws {
        BrokenPipes.ignore()
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--listen must be HOST:PORT, got \"\(listen)\"")
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var options = HTTPServer.Options(spoolDirectory: spool.spoolDirectory, enginesDirectory: engines.enginesDirectory)
        options.host = host.isEmpty ? "127.0.0.1" : host
        options.port = port
        options.apiKeysFile = apiKeys
        let server: HTTPServer
        do {
            server = try HTTPServer(options: options, logger: Logger(label: "audiospool.serve"))
        } catch {
            throw CommandFailure(error.message)
        }
        try await server.run()
    }
}
