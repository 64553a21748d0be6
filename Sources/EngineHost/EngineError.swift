import EngineProtocol

/// A failed exchange with an engine, classified so the supervisor knows
/// whether to retry.
public struct EngineError: Error, Sendable, Equatable, CustomStringConvertible {
    public var kind: ErrorKind
    public var message: String

    public init(_ kind: ErrorKind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}
