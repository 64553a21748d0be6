import EngineCheck
import EngineHost
import Foundation
import Testing

/// What does not fail a rule but should be fixed before shipping.
@Suite struct CheckWarningTests {
    static func warnings(_ manifest: String) throws -> [String] {
        EngineCheck(manifest: try EngineManifest.parse(Data(manifest.utf8), directory: "/engines/x")).warnings
    }

    @Test func aShutdownShorterThanCancelIsWarnedOf() throws {
        let short = try Self.warnings(#"{"command": ["x"], "tasks": {"t": {}}, "timeouts": {"cancel_s": 30, "shutdown_s": 5}}"#)
        #expect(short.count == 1 && short[0].contains("shutdown_s (5.0) is shorter than cancel_s (30.0)"), "\(short)")
        #expect(try Self.warnings(#"{"command": ["x"], "tasks": {"t": {}}, "timeouts": {"cancel_s": 30, "shutdown_s": 30}}"#).isEmpty)
        #expect(try Self.warnings(#"{"command": ["x"], "tasks": {"t": {}}}"#).isEmpty)
    }
}
