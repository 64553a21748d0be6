/// One GPU of this host, as the slot pool knows it.
public struct GPU: Codable, Sendable, Equatable {
    /// nvidia-smi's index (PCI bus order, with `CUDA_DEVICE_ORDER=PCI_BUS_ID`).
    public var index: Int
    /// What `CUDA_VISIBLE_DEVICES` is set to for an instance on this GPU.
    public var uuid: String
    /// Total memory in MiB; nil when unknown (then any memory need fits).
    public var memoryMB: Int?
    /// Free memory in MiB when it was discovered (nvidia-smi only).
    public var memoryFreeMB: Int?
    /// Declared with `--fake-gpus` or `gpus.fake`: there is no hardware.
    public var fake: Bool

    public init(index: Int, uuid: String, memoryMB: Int? = nil, memoryFreeMB: Int? = nil, fake: Bool = false) {
        self.index = index
        self.uuid = uuid
        self.memoryMB = memoryMB
        self.memoryFreeMB = memoryFreeMB
        self.fake = fake
    }

    /// A made-up GPU for tests and machines without one. The UUID has
    /// nvidia's shape, so engines that parse it see nothing unusual.
    public static func fake(index: Int, memoryMB: Int?) -> GPU {
        let suffix = String(index, radix: 16)
        let tail = String(repeating: "0", count: max(0, 12 - suffix.count)) + suffix
        return GPU(index: index, uuid: "GPU-fa4e0000-0000-4000-8000-\(tail)", memoryMB: memoryMB, fake: true)
    }

    enum CodingKeys: String, CodingKey {
        case index, uuid, fake
        case memoryMB = "memory_mb"
        case memoryFreeMB = "memory_free_mb"
    }
}
