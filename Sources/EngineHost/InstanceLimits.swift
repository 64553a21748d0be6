/// Limits on engine instances across all engines, which hold at all times:
/// an instance being shut down still counts until its process is gone.
/// nil means no limit.
public struct InstanceLimits: Sendable, Equatable {
    public var cpu: Int?
    public var gpu: Int?
    public var total: Int?

    public init(cpu: Int? = nil, gpu: Int? = nil, total: Int? = nil) {
        self.cpu = cpu
        self.gpu = gpu
        self.total = total
    }
}
