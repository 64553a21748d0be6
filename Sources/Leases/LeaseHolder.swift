import Basics
import Foundation
import Glibc

/// The contents of a held slot file: who has the GPU. Written by the
/// supervisor through the descriptor that holds the lock.
public struct LeaseHolder: Codable, Sendable, Equatable {
    /// One lease's id, the same in each slot file a lease of several slots
    /// holds, so its memory is counted once.
    public var lease: String
    public var supervisorPID: Int32
    public var host: String
    public var engine: String
    /// The engine instance's process; nil while it starts.
    public var instancePID: Int32?
    /// When the lease was taken (a `Timestamp`).
    public var since: String
    /// The job the instance is running; nil while it is idle.
    public var job: String?
    public var gpuIndex: Int
    public var gpuUUID: String
    public var slot: Int
    /// The GPU memory the engine declared it needs, in MiB.
    public var memoryMB: Int?

    public init(
        lease: String = UUID().uuidString, supervisorPID: Int32, host: String, engine: String, instancePID: Int32? = nil, since: String, job: String? = nil,
        gpuIndex: Int, gpuUUID: String, slot: Int, memoryMB: Int? = nil
    ) {
        self.lease = lease
        self.supervisorPID = supervisorPID
        self.host = host
        self.engine = engine
        self.instancePID = instancePID
        self.since = since
        self.job = job
        self.gpuIndex = gpuIndex
        self.gpuUUID = gpuUUID
        self.slot = slot
        self.memoryMB = memoryMB
    }

    enum CodingKeys: String, CodingKey {
        case lease, host, engine, since, job, slot
        case supervisorPID = "supervisor_pid"
        case instancePID = "instance_pid"
        case gpuIndex = "gpu_index"
        case gpuUUID = "gpu_uuid"
        case memoryMB = "memory_mb"
    }
}

extension LeaseHolder {
    /// A holder for this process, taken now; the GPU fields are filled in
    /// by `GPUSlots.acquire`.
    public static func current(engine: String, job: String?, memoryMB: Int?) -> LeaseHolder {
        LeaseHolder(
            supervisorPID: getpid(), host: HostIdentity.name, engine: engine, since: Timestamp.now(), job: job,
            gpuIndex: 0, gpuUUID: "", slot: 0, memoryMB: memoryMB)
    }
}
