/// Method names of protocol v1 (PROTOCOL.md).
public enum Method {
    /// host → engine request: the handshake.
    public static let initialize = "initialize"
    /// host → engine request: do one job.
    public static let run = "run"
    /// host → engine request: are you alive?
    public static let ping = "ping"
    /// host → engine request: answer, then exit.
    public static let shutdown = "shutdown"
    /// host → engine notification: stop a `run`.
    public static let cancel = "cancel"
    /// engine → host notification: how far a `run` has got.
    public static let progress = "progress"
}

/// The protocol versions this host speaks. An engine answers `initialize`
/// with the version it chose from the host's list.
public enum ProtocolVersion {
    public static let current = 1
    public static let supported = [1]
}
