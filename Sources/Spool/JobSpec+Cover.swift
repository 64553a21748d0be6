import Basics

extension JobSpec {
    /// The input that is the outputs' front cover (HostInputNames).
    public static let coverInput = HostInputNames.cover

    /// The cover's file in the job folder, relative, if the job gives one.
    public var cover: String? { inputs[Self.coverInput] }
}
