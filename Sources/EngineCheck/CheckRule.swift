/// The rules `audiospool engines check` holds an engine to (PROTOCOL.md).
public enum CheckRule: String, CaseIterable, Sendable, Codable {
    case handshake
    case protocolOnly = "stdout-protocol-only"
    case oneResponse = "one-response-per-request"
    case progress = "progress-monotonic"
    case cancel = "cancel-honoured"
    case errorKinds = "error-kinds"
    case outputs = "outputs-valid-wav"
    case exitOnEOF = "exit-on-stdin-eof"
    case exitOnShutdown = "exit-on-shutdown"
    case workFolderOnly = "writes-only-work-folder"

    /// What the rule asks, for people.
    public var summary: String {
        switch self {
        case .handshake: "initialize is answered with a valid handshake"
        case .protocolOnly: "stdout carries protocol messages only"
        case .oneResponse: "every request gets exactly one response"
        case .progress: "progress is about a run, within 0…1 and never decreasing"
        case .cancel: "a cancelled run is answered within timeouts.cancel_s"
        case .errorKinds: "errors carry a valid kind and its code"
        case .outputs: "every task's outputs exist and are valid WAV files"
        case .exitOnEOF: "the engine exits when stdin closes, even mid-run"
        case .exitOnShutdown: "the engine answers shutdown and exits"
        case .workFolderOnly: "nothing is written outside the work folder"
        }
    }
}

/// How one rule went.
public struct CheckOutcome: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case passed, failed
        /// Not checked, because an earlier step failed; counts as a failure.
        case notChecked = "not_checked"
    }

    public var rule: CheckRule
    public var status: Status
    /// Why it failed, or what was seen when it passed.
    public var reason: String
}

/// The outcome of every rule, in `CheckRule` order.
public struct CheckReport: Sendable, Codable {
    public var engine: String
    public var directory: String
    public var outcomes: [CheckOutcome]
    /// What does not fail a rule but should be fixed before shipping.
    public var warnings: [String] = []

    public var passed: Bool { outcomes.allSatisfy { $0.status == .passed } }

    public func outcome(_ rule: CheckRule) -> CheckOutcome? {
        outcomes.first { $0.rule == rule }
    }
}
