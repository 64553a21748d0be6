import EngineProtocol

/// Why the host killed an engine process. Typed, so that `engines check`
/// can sort each one under the PROTOCOL.md rule it breaks with an
/// exhaustive switch; `description` is the sentence logs and error.json
/// carry ("engine X was killed because …").
public enum KillReason: Sendable, Equatable, CustomStringConvertible {
    /// A stdout line over the length limit, or bytes that are not UTF-8.
    case lineTooLong(limit: Int)
    /// A stdout line that is not a JSON-RPC message.
    case notJSONRPC(excerpt: String)
    /// A JSON value that is neither a response nor a notification.
    case neitherResponseNorNotification(excerpt: String)
    /// A response whose id matches no request in flight (ids keep their
    /// JSON type, so `"1"` does not answer `1`).
    case unknownResponseID(RequestID?)
    /// `initialize` chose a version this host does not speak.
    case unsupportedProtocolVersion(Int)
    /// A request passed its deadline, or a run reported no progress for its stall limit.
    case deadline(String)
    /// A cancelled run was still in flight after `timeouts.cancel_s`.
    case ignoredCancel(seconds: Double)
    /// The engine did not answer a keep-alive ping.
    case unansweredPing(String)
    /// Still running `timeouts.shutdown_s` after `shutdown`.
    case ignoredShutdown(seconds: Double)
    /// Still running after its stdin closed (`engines check`).
    case ignoredStdinEOF
    /// stdout closed but the process did not exit.
    case closedStdoutWithoutExiting
    /// Killed before its process had started (a violation already pending).
    case killedBeforeStart

    public var description: String {
        switch self {
        case .lineTooLong(let limit): "it wrote a line over \(limit) bytes, or bytes that are not UTF-8, to stdout"
        case .notJSONRPC(let excerpt): "it wrote something that is not a JSON-RPC message to stdout: \(excerpt)"
        case .neitherResponseNorNotification(let excerpt):
            "it wrote a JSON value that is neither a response nor a notification: \(excerpt)"
        case .unknownResponseID(let id): "it answered a request it was never sent (id \(Self.describe(id)))"
        case .unsupportedProtocolVersion(let version): "it chose protocol version \(version), which this host does not speak"
        case .deadline(let message): message
        case .ignoredCancel(let seconds): "it did not stop within \(seconds)s of cancel"
        case .unansweredPing(let error): "it did not answer a ping: \(error)"
        case .ignoredShutdown(let seconds): "it did not exit within \(seconds)s of shutdown"
        case .ignoredStdinEOF: "it ignored stdin EOF"
        case .closedStdoutWithoutExiting: "it closed stdout but did not exit"
        case .killedBeforeStart: "killed before it started"
        }
    }

    /// An id as the engine sent it, with its JSON type: the host sends
    /// integers, so a string id is the usual mistake.
    static func describe(_ id: RequestID?) -> String {
        switch id {
        case .int(let value): "\(value)"
        case .string(let value): "\"\(value)\", a string; the host sends integer ids and an answer must echo the same JSON value"
        case nil: "null"
        }
    }
}
