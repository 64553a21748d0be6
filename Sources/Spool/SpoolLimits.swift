/// Bounds on what a submission can make the supervisor hold or run.
public struct SpoolLimits: Sendable, Equatable {
    /// The largest job.json accepted.
    public var maxJobBytes = 1 << 20
    /// The longest text (inline or `text_file`), in characters.
    public var maxTextCharacters = 1_000_000
    /// The largest input file.
    public var maxInputBytes: Int64 = 4 << 30
    /// The longest protocol line an engine may send.
    public var maxEngineLineBytes = 1 << 20

    public init() {}
}
