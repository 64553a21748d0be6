import EngineProtocol

/// config.json's `gpus`: how to find the GPUs that engines lease slots
/// of, and how many slots each has (SPOOL.md, "GPU leases").
public struct GPUSettings: Sendable, Equatable {
    /// Fake GPUs to declare (no hardware needed); 0 declares none.
    public var fake = 0
    /// The memory each fake GPU claims, in MiB.
    public var fakeMemoryMB = 24576
    /// Engine instances one GPU holds at once.
    public var slotsPerGPU = 1
    /// GPUs declared by hand instead of asking nvidia-smi.
    public var devices: [Device] = []

    public struct Device: Sendable, Equatable {
        public var index: Int
        public var uuid: String
        public var memoryMB: Int?

        public init(index: Int, uuid: String, memoryMB: Int? = nil) {
            self.index = index
            self.uuid = uuid
            self.memoryMB = memoryMB
        }
    }

    public init() {}

    static func parse(_ reader: JSONObjectReader) throws(DocumentError) -> GPUSettings {
        var reader = reader
        var settings = GPUSettings()
        if let value = try reader.int("fake", in: 0...64) { settings.fake = value }
        if let value = try reader.int("fake_memory_mb", in: 1...(1 << 24)) { settings.fakeMemoryMB = value }
        if let value = try reader.int("slots_per_gpu", in: 1...64) { settings.slotsPerGPU = value }
        switch reader.value("devices") {
        case nil:
            break
        case .array(let items)?:
            for (position, item) in items.enumerated() {
                let path = reader.name("devices") + "[\(position)]"
                guard case .object(let fields) = item else {
                    throw reader.mismatch("devices[\(position)]", "an object such as {\"index\": 0, \"uuid\": \"GPU-…\"}", item)
                }
                var device = JSONObjectReader(fields, path: path)
                guard let index = try device.int("index", in: 0...1024) else {
                    throw DocumentError("field \"\(path).index\" is required: the GPU's index (nvidia-smi order)")
                }
                let uuid = try device.requiredString("uuid")
                settings.devices.append(Device(index: index, uuid: uuid, memoryMB: try device.int("memory_mb", in: 1...(1 << 24))))
                try device.rejectUnknownFields()
            }
        case let other?:
            throw reader.mismatch("devices", "an array of {\"index\", \"uuid\", \"memory_mb\"} objects", other)
        }
        try reader.rejectUnknownFields()
        return settings
    }

    var rendered: JSONValue {
        .object([
            "fake": .number(Double(fake)),
            "fake_memory_mb": .number(Double(fakeMemoryMB)),
            "slots_per_gpu": .number(Double(slotsPerGPU)),
            "devices": .array(devices.map { device in
                var fields: [String: JSONValue] = ["index": .number(Double(device.index)), "uuid": .string(device.uuid)]
                if let memory = device.memoryMB { fields["memory_mb"] = .number(Double(memory)) }
                return .object(fields)
            }),
        ])
    }
}
