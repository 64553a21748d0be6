import Basics

/// config.json's `gpus`: how to find the GPUs that engines lease slots
/// of, and how many slots each has (SPOOL.md, "GPU leases"). The defaults
/// are `GPUDiscovery`'s own.
extension GPUDiscovery: ConfigSection {
    public static let configKey = "gpus"

    public init(config reader: JSONObjectReader) throws(DocumentError) {
        self.init()
        var reader = reader
        if let value = try reader.int("fake", in: 0...64) { fakeCount = value }
        if let value = try reader.int("fake_memory_mb", in: 1...(1 << 24)) { fakeMemoryMB = value }
        if let value = try reader.int("slots_per_gpu", in: 1...64) { slotsPerGPU = value }
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
                declared.append(GPU(index: index, uuid: uuid, memoryMB: try device.int("memory_mb", in: 1...(1 << 24))))
                try device.rejectUnknownFields()
            }
        case let other?:
            throw reader.mismatch("devices", "an array of {\"index\", \"uuid\", \"memory_mb\"} objects", other)
        }
        try reader.rejectUnknownFields()
    }

    public var configValue: JSONValue {
        var fields: [String: JSONValue] = [
            "fake": .number(Double(fakeCount)),
            "slots_per_gpu": .number(Double(slotsPerGPU)),
            "devices": .array(declared.map { device in
                var fields: [String: JSONValue] = ["index": .number(Double(device.index)), "uuid": .string(device.uuid)]
                if let memory = device.memoryMB { fields["memory_mb"] = .number(Double(memory)) }
                return .object(fields)
            }),
        ]
        if let fakeMemoryMB { fields["fake_memory_mb"] = .number(Double(fakeMemoryMB)) }
        return .object(fields)
    }
}

extension GPUDiscovery {
    /// The command line's `--fake-gpus` and `--slots-per-gpu`, over the config.
    public func overridden(fakeGPUs: Int?, slotsPerGPU: Int?) -> GPUDiscovery {
        var discovery = self
        if let fakeGPUs { discovery.fakeCount = fakeGPUs }
        if let slotsPerGPU { discovery.slotsPerGPU = slotsPerGPU }
        return discovery
    }
}
