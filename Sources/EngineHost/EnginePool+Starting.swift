import EngineProtocol
import Foundation
import Leases

extension EnginePool {
    /// Starts an instance on `device` (holding `gpuLease` for it) and
    /// gives the caller the first share of it.
    func startInstance(
        _ manifest: EngineManifest, device: Device, gpuLease: GPULease?, job: String?, fallbackReason: String?
    ) async throws(EngineError) -> EngineLease {
        var options = EngineProcess.Options(logFile: settings.logDirectory.map { "\($0)/\(manifest.name).log" })
        options.sdkDirectory = settings.sdkDirectory
        options.voiceBank = settings.voiceBankRoot.map { $0 + "/" + manifest.name }
        options.maxLineBytes = settings.maxLineBytes
        options.config = settings.engines[manifest.name]?.config ?? [:]
        options.cpuThreads = max(1, ProcessInfo.processInfo.activeProcessorCount / limit(for: manifest))
        if let uuid = device.uuid {
            options.environment["CUDA_VISIBLE_DEVICES"] = uuid
            options.environment["CUDA_DEVICE_ORDER"] = "PCI_BUS_ID"
        } else if manifest.device != .cpu {
            // A CPU instance of a GPU-capable engine must not grab a GPU.
            options.environment["CUDA_VISIBLE_DEVICES"] = ""
        }
        let process = EngineProcess(manifest: manifest, device: device, options: options)
        let instance = Instance(id: nextInstanceID, process: process, gpuLease: gpuLease)
        nextInstanceID += 1
        instance.busy = 1
        instances[manifest.name, default: []].append(instance)
        let engine = manifest.name
        let id = instance.id
        let exited = settings.exited
        await process.onExit { [weak self] in
            Task {
                if let pid = await process.pid { exited?(pid) }
                await self?.exited(engine: engine, id: id)
            }
        }
        do {
            instance.info = try await process.start()
        } catch {
            retiring.insert(id)
            instance.stopping = true
            recordFailure(engine)
            await process.shutdown()
            remove(engine: engine, id: id)
            throw error
        }
        if let pid = await process.pid {
            settings.started?(engine, pid)
            if var lease = instance.gpuLease {
                lease.holder.instancePID = pid
                lease.holder.job = job
                lease.write()
                instance.gpuLease = lease
            }
        }
        wakeWaiters()  // a concurrent engine can take more jobs now
        return EngineLease(engine: engine, process: process, info: instance.info!, instanceID: id, fallbackReason: fallbackReason)
    }
}
