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
    ],
    targets: [
        // C libraries, from Debian's -dev packages (the Makefile installs them).
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CLame", providers: [.apt(["libmp3lame-dev"])]),
        .systemLibrary(name: "CFLAC", pkgConfig: "flac", providers: [.apt(["libflac-dev"])]),
        .systemLibrary(name: "CSoxr", pkgConfig: "soxr", providers: [.apt(["libsoxr-dev"])]),
        .systemLibrary(name: "CEbur128", pkgConfig: "libebur128", providers: [.apt(["libebur128-dev"])]),

        .target(name: "CSystemShims"),
        // The limiter's loop is hot in tests (debug builds) too.
        .target(name: "CSampleConversion", cSettings: [.unsafeFlags(["-O2"])]),

        // Leaves: no I/O of their own beyond what their name says.
        .target(name: "EngineProtocol"),
        // GPU slots as lock files the supervisor holds (flock).
        .target(name: "Leases"),
        .target(
            name: "AudioCodec",
            dependencies: [
                "CSndFile", "CLame", "CFLAC", "CSoxr", "CEbur128", "CSampleConversion",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(
            name: "Spool",
            dependencies: [
                "EngineProtocol", "CSystemShims",
                .product(name: "SystemPackage", package: "swift-system"),
            ]),

        // Engines as long-lived subprocesses speaking EngineProtocol.
        .target(
            name: "EngineHost",
            dependencies: [
                "EngineProtocol", "Leases",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]),

        // `audiospool engines check`: an engine held to PROTOCOL.md.
        .target(name: "EngineCheck", dependencies: ["EngineHost", "EngineProtocol", "AudioCodec", "Spool"]),

        // A job's output options as codec settings: for the runner and `audiospool encode`.
        .target(name: "OutputEncoding", dependencies: ["Spool", "AudioCodec"]),

        // Ties the spool, the engines and the codecs together.
        .target(
            name: "Supervisor",
            dependencies: [
                "Spool", "EngineHost", "EngineProtocol", "AudioCodec", "Leases", "OutputEncoding",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // The command line: parsing and printing only.
        .executableTarget(
            name: "audiospool",
            dependencies: [
                "Supervisor", "Spool", "EngineHost", "Leases", "EngineCheck", "OutputEncoding",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Helpers shared by the test targets.
        .target(
            name: "AudioSpoolTestKit",
            dependencies: [
                "Spool", "AudioCodec", "EngineProtocol",
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            path: "Tests/AudioSpoolTestKit"),

        .testTarget(name: "EngineProtocolTests", dependencies: ["EngineProtocol"]),
        .testTarget(name: "SpoolTests", dependencies: ["Spool", "EngineProtocol", "AudioSpoolTestKit"]),
        .testTarget(name: "AudioCodecTests", dependencies: ["AudioCodec", "AudioSpoolTestKit"]),
        .testTarget(name: "EngineHostTests", dependencies: ["EngineHost", "EngineProtocol", "AudioSpoolTestKit"]),
        .testTarget(name: "LeasesTests", dependencies: ["Leases", "AudioSpoolTestKit"]),
        .testTarget(name: "SupervisorTests", dependencies: ["Supervisor", "AudioSpoolTestKit"]),
        .testTarget(name: "EngineCheckTests", dependencies: ["EngineCheck", "EngineHost"]),
        .testTarget(
            name: "DocumentationTests",
            dependencies: ["AudioSpoolTestKit", "Spool", "EngineProtocol", "EngineHost", "Leases", "EngineCheck", "Supervisor", "OutputEncoding"]),
        .testTarget(
            name: "EndToEndTests",
            // Depends on the executable so `swift test` builds the binary it runs.
            dependencies: ["audiospool", "AudioSpoolTestKit", "Spool", "AudioCodec", "EngineHost", "EngineProtocol", "Leases"]),
    ],
    swiftLanguageModes: [.v6]
)
