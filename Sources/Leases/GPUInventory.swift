/// The GPUs of this host and how many instances each may hold at once:
/// what `state/leases/gpus.json` records.
public struct GPUInventory: Codable, Sendable, Equatable {
    public var gpus: [GPU]
    public var slotsPerGPU: Int
    /// Where the list came from: `nvidia-smi`, `config`, `fake` or `none`.
    public var source: String

    public init(gpus: [GPU], slotsPerGPU: Int, source: String) {
        self.gpus = gpus
        self.slotsPerGPU = slotsPerGPU
        self.source = source
    }

    public static let none = GPUInventory(gpus: [], slotsPerGPU: 1, source: "none")

    enum CodingKeys: String, CodingKey {
        case gpus, source
        case slotsPerGPU = "slots_per_gpu"
    }
}
