/// Why audio could not be read or written. The message names the file and
/// the library's own explanation, so it can go straight into `error.json`.
public struct AudioError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The input is missing, unreadable or not audio we can decode.
        case unreadableInput
        /// The settings ask for something the encoder cannot do.
        case unsupportedSettings
        /// Writing the output failed (disk full, permissions, …).
        case writeFailed
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
