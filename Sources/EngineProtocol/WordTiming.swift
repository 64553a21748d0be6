/// One spoken word of a `run` result's `words`: its text and when it is
/// heard, in seconds from the start of the run's first output.
public struct WordTiming: Codable, Sendable, Equatable {
    public var text: String
    public var startSeconds: Double
    public var endSeconds: Double

    public init(text: String, startSeconds: Double, endSeconds: Double) {
        self.text = text
        self.startSeconds = startSeconds
        self.endSeconds = endSeconds
    }

    enum CodingKeys: String, CodingKey {
        case text
        case startSeconds = "start_s"
        case endSeconds = "end_s"
    }
}
