/// `progress` notification params (engine → host).
public struct ProgressParams: Codable, Sendable, Equatable {
    /// The id of the `run` request this is about.
    public var id: RequestID
    /// 0…1, never decreasing within one run.
    public var progress: Double
    public var message: String?
    public var segmentsDone: Int?
    public var segmentsTotal: Int?

    public init(
        id: RequestID, progress: Double, message: String? = nil, segmentsDone: Int? = nil,
        segmentsTotal: Int? = nil
    ) {
        self.id = id
        self.progress = progress
        self.message = message
        self.segmentsDone = segmentsDone
        self.segmentsTotal = segmentsTotal
    }

    enum CodingKeys: String, CodingKey {
        case id, progress, message
        case segmentsDone = "segments_done"
        case segmentsTotal = "segments_total"
    }
}

/// `cancel` notification params (host → engine).
public struct CancelParams: Codable, Sendable, Equatable {
    /// The id of the `run` request to stop.
    public var id: RequestID

    public init(id: RequestID) {
        self.id = id
    }
}
