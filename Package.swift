// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "audiospool",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "audiospool", targets: ["audiospool"]),
        .library(name: "Supervisor", targets: ["Supervisor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        // metrics.prom: the Prometheus text format, written by its own library.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // `audiospool serve`: the HTTP front door (no swift-configuration, no full Foundation).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        // HTTPRequestPart and HTTPResponsePart, for serve's connection guard (Hummingbird's own).
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        // Webhooks: the HTTP client that POSTs them.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // C libraries, from Debian's -dev packages (the Makefile installs them).
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CLame", providers: [.apt(["libmp3lame-dev"])]),
        .systemLibrary(name: "CFLAC", pkgConfig: "flac", providers: [.apt(["libflac-dev"])]),
        .systemLibrary(name: "CSoxr", pkgConfig: "soxr", providers: [.apt(["libsoxr-dev"])]),
        .systemLibrary(name: "CEbur128", pkgConfig: "libebur128", providers: [.apt(["libebur128-dev"])]),
        .systemLibrary(name: "COpusEnc", pkgConfig: "libopusenc", providers: [.apt(["libopusenc-dev"])]),
        // libavformat, libavcodec and libavutil (FFmpeg 5.1): AAC in MP4 and ADTS.
        // Their headers only: CFFmpegLoader loads the libraries when AAC is asked for.
        .systemLibrary(name: "CFFmpeg", providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev"])]),
        .target(name: "CFFmpegLoader"),

        .target(name: "CSystemShims"),
        // What serve sends as it is (the dashboard's files, openapi.json), compiled in with #embed.
        .target(name: "CEmbedded"),
        // The limiter's loop is hot in tests (debug builds) too.
        .target(name: "CSampleConversion", cSettings: [.unsafeFlags(["-O2"])]),

        // The leaf every module stands on: the file system, time, this host,
        // and the document codec (JSONValue and the strict object reader).
        .target(
            name: "Basics",
            dependencies: [
                "CSystemShims",
                .product(name: "SystemPackage", package: "swift-system"),
            ]),
        // The protocol's messages; no I/O.
        .target(name: "EngineProtocol", dependencies: ["Basics"]),
        // GPU slots as lock files the supervisor holds (flock).
        .target(name: "Leases", dependencies: ["Basics"]),
        .target(
            name: "AudioCodec",
            dependencies: [
                "CSndFile", "CLame", "CFLAC", "CSoxr", "CEbur128", "COpusEnc", "CFFmpeg", "CFFmpegLoader", "CSampleConversion",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(
            name: "Spool",
            dependencies: [
                // EngineProtocol for `ErrorKind` only: error.json's `kind` is the protocol's word.
                "Basics", "EngineProtocol", "CSystemShims",
                .product(name: "SystemPackage", package: "swift-system"),
            ]),

        // Engines as long-lived subprocesses speaking EngineProtocol.
        .target(
            name: "EngineHost",
            dependencies: [
                "Basics", "EngineProtocol", "Leases",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]),

        // `audiospool engines check`: an engine held to PROTOCOL.md.
        .target(name: "EngineCheck", dependencies: ["Basics", "EngineHost", "EngineProtocol", "AudioCodec", "Spool"]),

        // A job's output options as codec settings: for the runner and `audiospool encode`.
        .target(name: "OutputEncoding", dependencies: ["Basics", "Spool", "AudioCodec"]),

        // Webhooks: a job's result POSTed to an allow-listed URL, signed
        // (Standard Webhooks), retried, and kept in state/ until delivered.
        .target(
            name: "Webhooks",
            dependencies: [
                "Basics", "Spool",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Ties the spool, the engines and the codecs together.
        .target(
            name: "Supervisor",
            dependencies: [
                "Basics", "Spool", "EngineHost", "EngineProtocol", "AudioCodec", "Leases", "OutputEncoding", "HTTPConfig", "Webhooks",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // config.json's `http` section: below Supervisor, which checks every section at start.
        .target(name: "HTTPConfig", dependencies: ["Basics"]),

        // `audiospool serve`: the HTTP API, another client of the spool.
        .target(
            name: "HTTPAPI",
            dependencies: [
                "Basics", "Spool", "EngineHost", "EngineProtocol", "AudioCodec", "Supervisor", "HTTPConfig", "Webhooks", "Leases", "CEmbedded",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Dashboard", "openapi.json"]),

        // The command line: parsing and printing only.
        .executableTarget(
            name: "audiospool",
            dependencies: [
                "Basics", "Supervisor", "Spool", "EngineHost", "EngineProtocol", "Leases", "EngineCheck", "AudioCodec", "OutputEncoding", "HTTPAPI", "Webhooks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Helpers shared by the test targets.
        .target(
            name: "AudioSpoolTestKit",
            dependencies: [
                "Basics", "Spool", "AudioCodec", "EngineProtocol",
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            path: "Tests/AudioSpoolTestKit"),

        .testTarget(name: "BasicsTests", dependencies: ["Basics"]),
        .testTarget(name: "EngineProtocolTests", dependencies: ["EngineProtocol", "Basics"]),
        .testTarget(name: "SpoolTests", dependencies: ["Spool", "Basics", "EngineProtocol", "AudioSpoolTestKit"]),
        .testTarget(name: "AudioCodecTests", dependencies: ["AudioCodec", "AudioSpoolTestKit"]),
        .testTarget(name: "EngineHostTests", dependencies: ["EngineHost", "Basics", "EngineProtocol", "Spool", "AudioSpoolTestKit"]),
        .testTarget(name: "LeasesTests", dependencies: ["Leases", "Basics", "Spool", "AudioSpoolTestKit"]),
        .testTarget(name: "SupervisorTests", dependencies: ["Supervisor", "Basics", "Spool", "AudioCodec", "EngineProtocol", "AudioSpoolTestKit"]),
        .testTarget(name: "HTTPAPITests", dependencies: ["HTTPAPI"]),
        .testTarget(
            name: "WebhooksTests",
            dependencies: ["Webhooks", "Basics", "Spool", "AudioSpoolTestKit", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "EngineCheckTests", dependencies: ["EngineCheck", "EngineHost", "Basics"]),
        .testTarget(
            name: "DocumentationTests",
            dependencies: [
                "AudioSpoolTestKit", "Basics", "Spool", "EngineProtocol", "EngineHost", "Leases", "EngineCheck", "Supervisor", "OutputEncoding", "HTTPAPI",
                "Webhooks",
            ]),
        .testTarget(
            name: "EndToEndTests",
            // Depends on the executable so `swift test` builds the binary it runs.
            dependencies: [
                "audiospool", "AudioSpoolTestKit", "Basics", "Spool", "AudioCodec", "EngineHost", "EngineProtocol", "Leases", "EngineCheck",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
    ],
    // Every target lists each of our modules it imports, not only through
    // another: a module reached only through another is not a build input,
    // so a layout change there (a private stored property) left the importer
    // compiled against the old layout (swiftlang/swift#89636); the crash came
    // at run time. Tests/DocumentationTests' PackageImportsTests holds it.
    swiftLanguageModes: [.v6]
)
