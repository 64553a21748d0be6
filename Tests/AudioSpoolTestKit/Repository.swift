import Foundation

/// Paths of the repository the tests run in.
public enum Repository {
    public static let root: String = {
        // Tests/AudioSpoolTestKit/Repository.swift → the repository.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }()

    public static var engines: String { root + "/Engines" }
    public static var sdk: String { engines + "/sdk" }
    /// Deliberately broken engines, for tests of the host's defences.
    public static var fixtureEngines: String { root + "/Tests/Fixtures/Engines" }

    /// The `audiospool` binary built beside the test bundle.
    public static let executable: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("audiospool").path
    }()
}
