/// What went wrong, in the words the host uses to decide what happens next.
/// Engines report the first six; the host adds the rest for failures it sees
/// itself. The raw values appear in `error.json` and on the wire.
public enum ErrorKind: String, Codable, Sendable, CaseIterable {
    /// The job or its inputs are wrong; retrying cannot help.
    case badInput = "bad_input"
    /// The engine cannot do what was asked (task, voice, format).
    case unsupported
    /// Out of (GPU) memory; the host restarts the instance and retries.
    case oom
    /// A passing failure; the host retries with backoff.
    case transient
    /// A bug in the engine; the job fails.
    case `internal`
    /// The job was cancelled.
    case cancelled
    /// The engine process died or broke the protocol (host-reported).
    case engineCrashed = "engine_crashed"
    /// The engine took longer than its deadline (host-reported).
    case timeout

    /// The kinds an engine may put in an error response.
    public static let engineReported: [ErrorKind] = [.badInput, .unsupported, .oom, .transient, .internal, .cancelled]

    /// Whether a job that failed this way is worth another attempt.
    public var isRetryable: Bool {
        switch self {
        case .oom, .transient, .engineCrashed, .timeout: true
        case .badInput, .unsupported, .internal, .cancelled: false
        }
    }

    /// The JSON-RPC error code that goes with the kind (PROTOCOL.md, "Errors").
    public var code: Int {
        switch self {
        case .badInput: -32001
        case .unsupported: -32002
        case .oom: -32003
        case .transient: -32004
        case .internal: -32005
        case .cancelled: -32800
        case .engineCrashed: -32006
        case .timeout: -32007
        }
    }
}
