import Foundation

public struct TimedOut: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) {
        self.description = description
    }
}

/// Polls `condition` until it holds: waiting on state that another process
/// changes, with a deadline so a broken build fails instead of hanging.
public func waitUntil(
    _ what: @autoclosure () -> String, timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(10),
    _ condition: () throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try !condition() {
        if ContinuousClock.now > deadline { throw TimedOut(description: "timed out waiting until \(what())") }
        try await Task.sleep(for: interval)
    }
}

/// `waitUntil` for a condition that itself awaits (running a command, say).
public func waitUntilAsync(
    _ what: @autoclosure () -> String, timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(100),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        if ContinuousClock.now > deadline { throw TimedOut(description: "timed out waiting until \(what())") }
        try await Task.sleep(for: interval)
    }
}
