/// The rules `audiospool engines check` holds an engine to (PROTOCOL.md).
public enum CheckRule: String, CaseIterable, Sendable, Codable {
    case handshake
    case versionNegotiation = "version-negotiation"
    case protocolErrors = "protocol-errors"
    case protocolOnly = "stdout-protocol-only"
    case oneResponse = "one-response-per-request"
    case progress = "progress-monotonic"
    case cancel = "cancel-honoured"
    case unknownCancel = "unknown-cancel-ignored"
    case concurrency = "concurrent-runs"
    case pingDuringRun = "ping-during-run"
    case errorKinds = "error-kinds"
    case badParams = "bad-params-are-bad-input"
    case outputs = "outputs-valid-wav"
    case words = "words-timed"
    case exitOnEOF = "exit-on-stdin-eof"
    case exitOnShutdown = "exit-on-shutdown"
    case shutdownAnswersRuns = "shutdown-answers-runs"
    case workFolderOnly = "writes-only-work-folder"

    /// What the rule asks, for people.
    public var summary: String {
        switch self {
        case .handshake: "initialize is answered with a valid handshake"
        case .versionNegotiation: "an initialize offering no version the engine speaks is answered with unsupported"
        case .protocolErrors: "a run before initialize is answered with -32600, a run without work_dir with -32602"
        case .protocolOnly: "stdout carries protocol messages only"
        case .oneResponse: "every request gets exactly one response"
        case .progress: "progress is about a run in flight, within 0…1 and never decreasing"
        case .cancel: "a cancelled run is answered within timeouts.cancel_s"
        case .unknownCancel: "a cancel for an id never sent, the same cancel again, and a run's cancel repeated after its answer are ignored"
        case .concurrency: "with concurrency 2 or more, two runs at once are worked on together, each with its own outputs"
        case .pingDuringRun: "ping is answered while a run is in flight"
        case .errorKinds: "errors carry a valid kind and its code"
        case .badParams: "a param the engine does not take is answered with bad_input, naming it"
        case .outputs: "every task's outputs exist and are valid WAV files"
        case .words: "a run's words, when it gives them, have text, come in order without overlaps and lie within its audio"
        case .exitOnEOF: "the engine exits when stdin closes, even mid-run"
        case .exitOnShutdown: "the engine answers shutdown and exits"
        case .shutdownAnswersRuns: "a run in flight at shutdown is answered (cancelled, or its result) before the engine exits"
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
