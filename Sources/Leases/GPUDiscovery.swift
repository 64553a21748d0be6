import Foundation

/// Finds the GPUs to lease: declared fake ones, a declared list, or what
/// nvidia-smi reports, in that order of precedence (an operator's
/// declaration beats discovery).
public struct GPUDiscovery: Sendable, Equatable {
    /// `--fake-gpus N` or `gpus.fake`.
    public var fakeCount = 0
    /// Memory each fake GPU claims to have, in MiB.
    public var fakeMemoryMB: Int? = 24576
    /// `gpus.devices` in config.json.
    public var declared: [GPU] = []
    public var slotsPerGPU = 1
    /// Where to look for nvidia-smi; nil searches PATH.
    public var nvidiaSMI: String?

    public init() {}

    public static let query = ["--query-gpu=index,uuid,memory.total,memory.free", "--format=csv,noheader,nounits"]

    public func discover() -> GPUInventory {
        if fakeCount > 0 {
            let gpus = (0..<fakeCount).map { GPU.fake(index: $0, memoryMB: fakeMemoryMB) }
            return GPUInventory(gpus: gpus, slotsPerGPU: slotsPerGPU, source: "fake")
        }
        if !declared.isEmpty {
            return GPUInventory(gpus: declared, slotsPerGPU: slotsPerGPU, source: "config")
        }
        if let output = runNvidiaSMI() {
            let gpus = Self.parse(nvidiaSMI: output)
            if !gpus.isEmpty { return GPUInventory(gpus: gpus, slotsPerGPU: slotsPerGPU, source: "nvidia-smi") }
        }
        return GPUInventory(gpus: [], slotsPerGPU: slotsPerGPU, source: "none")
    }

    /// Parses `index, uuid, memory.total, memory.free` lines; lines that
    /// do not have that shape (a driver warning) are skipped.
    public static func parse(nvidiaSMI output: String) -> [GPU] {
        output.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 4, let index = Int(fields[0]), fields[1].hasPrefix("GPU-") || fields[1].hasPrefix("MIG-") else {
                return nil
            }
            return GPU(index: index, uuid: fields[1], memoryMB: Int(fields[2]), memoryFreeMB: Int(fields[3]))
        }
    }

    private func runNvidiaSMI() -> String? {
        let path = nvidiaSMI ?? Self.findInPath("nvidia-smi")
        guard let path, FileManager.default.isExecutableFile(atPath: path) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = Self.query
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return nil
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    public static func findInPath(_ program: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
