import AudioSpoolTestKit
import Basics
import Foundation
import Glibc
import Leases
import Spool
import Testing

/// GPU-slot leases with fake GPUs: the real binary, real subprocess engines
/// (Tests/Fixtures/Engines/gpu-*), real lock files.
@Suite(.timeLimit(.minutes(3))) struct GPULeaseTests {
    static let fakeUUID0 = GPU.fake(index: 0, memoryMB: nil).uuid

    func fixture(_ config: [String: Any] = [:]) throws -> SpoolFixture {
        try SpoolFixture(engines: Repository.fixtureEngines, config: config)
    }

    /// This host's leases folder.
    func leases(_ fixture: SpoolFixture) -> String {
        fixture.spool.state.leases(host: HostIdentity.name)
    }

    func slotFile(_ fixture: SpoolFixture, gpu: Int = 0, slot: Int = 0) -> String {
        leases(fixture) + "/" + GPUSlots.fileName(gpu: gpu, slot: slot)
    }

    func holder(_ path: String) -> LeaseHolder? {
        FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode(LeaseHolder.self, from: $0) }
    }

    func log(_ fixture: SpoolFixture, _ engine: String) -> String {
        (try? String(contentsOfFile: fixture.spool.state.log(engine: engine), encoding: .utf8)) ?? ""
    }

    /// Waits until a held slot file names `job` and its instance's pid.
    func waitForLease(_ fixture: SpoolFixture, _ path: String, job: String) async throws -> LeaseHolder {
        try await waitUntil("\(path) is held for \(job)") {
            SlotLock.isHeld(path) && holder(path)?.job == job && holder(path)?.instancePID != nil
        }
        return try #require(holder(path))
    }

    @Test func aLeaseIsAHeldFileWhileItsInstanceLivesAndTheEngineIsToldItsDevice() async throws {
        let fixture = try fixture()
        let supervisor = try await fixture.startSupervisor("--fake-gpus", "1")
        let id = try await fixture.submit("--engine", "gpu-preferred", "--param", "seconds=5")
        let slot = slotFile(fixture)
        let lease = try await waitForLease(fixture, slot, job: id)
        let supervisorPID = try #require(supervisor.pid)
        #expect(lease.supervisorPID == supervisorPID)
        #expect(lease.engine == "gpu-preferred" && lease.gpuUUID == Self.fakeUUID0 && lease.memoryMB == 4000)
        let enginePID = try #require(lease.instancePID)
        #expect(try await children(of: supervisorPID) == [enginePID])
        // The supervisor holds the lock; the engine must not have inherited its descriptor.
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(enginePID)/fd")
        let opened = descriptors.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(enginePID)/fd/\($0)") }
        #expect(!opened.isEmpty && !opened.contains { $0.hasSuffix("/gpu0.slot0") }, "\(opened)")

        let shown = try await fixture.cli("gpu", "--json", engines: false)
        #expect(shown.status == 0, "\(shown.summary)")
        let table = try JSONDecoder().decode(LeaseTable.self, from: Data(shown.stdout.utf8))
        #expect(table.inventory.source == "fake" && table.inventory.gpus.map(\.uuid) == [Self.fakeUUID0])
        #expect(table.slots.map(\.held) == [true] && table.slots.first?.holder?.job == id)
        let text = try await fixture.cli("gpu", engines: false)
        #expect(text.stdout.contains("gpu0.slot0  held by gpu-preferred"), "\(text.stdout)")
        // The monitoring files show the lease too.
        try await waitUntil("supervisor.json and metrics.prom show the lease", timeout: .seconds(10)) {
            let state = (try? Data(contentsOf: URL(fileURLWithPath: fixture.spool.state.supervisorFile)))
                .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
            let leases = state?["gpu_leases"] as? [[String: Any]] ?? []
            let metrics = (try? String(contentsOfFile: fixture.spool.state.metricsFile, encoding: .utf8)) ?? ""
            return leases.count == 1 && leases[0]["held"] as? Bool == true
                && metrics.contains("audiospool_gpu_slots_leased 1") && metrics.contains("audiospool_gpu_slots_free 0")
        }

        try await fixture.waitFor(id, in: .done)
        let result = try #require(fixture.json(.done, id, "result.json"))
        #expect(result["device"] as? String == "cuda:0")
        #expect(result["fallback_reason"] == nil)
        let engineLog = log(fixture, "gpu-preferred")
        #expect(engineLog.contains("CUDA_VISIBLE_DEVICES=\(Self.fakeUUID0) CUDA_DEVICE_ORDER=PCI_BUS_ID"), "\(engineLog)")
        #expect(engineLog.contains(#"device={"index": 0, "kind": "cuda", "uuid": "\#(Self.fakeUUID0)"}"#), "\(engineLog)")
        // Idle, the instance keeps its slot (keep-alive), with no job.
        try await waitUntil("the lease shows no job") { holder(slot)?.job == nil }
        #expect(SlotLock.isHeld(slot))

        supervisor.signal(SIGTERM)
        let exit = await supervisor.wait()
        #expect(exit.status == 0, "\(exit.summary)")
        #expect(!FileManager.default.fileExists(atPath: slot), "a lease released on shutdown removes its file")
    }

    @Test func gpuListsTheConfiguredSlotsBeforeAnySupervisorRan() async throws {
        let fixture = try fixture(["gpus": ["fake": 2, "slots_per_gpu": 2]])
        let shown = try await fixture.cli("gpu", engines: false)
        #expect(shown.status == 0, "\(shown.summary)")
        #expect(shown.stdout.hasPrefix("GPUs: 2 (fake), 2 slot(s) each, 0 held"), "\(shown.stdout)")
        #expect(shown.stdout.components(separatedBy: "  free").count - 1 == 4, "\(shown.stdout)")
    }

    @Test func twoGPUPreferredJobsOnOneSlotGiveOneGPURunAndOneCPURun() async throws {
        let fixture = try fixture(["concurrency": 2])
        let supervisor = try await fixture.startSupervisor("--fake-gpus", "1")
        // The first holds the slot long enough for the second to be placed, even on a loaded machine.
        let first = try await fixture.submit("--engine", "gpu-preferred", "--param", "seconds=8")
        _ = try await waitForLease(fixture, slotFile(fixture), job: first)
        let second = try await fixture.submit("--engine", "gpu-preferred", "--param", "seconds=0.2")
        try await fixture.waitFor(second, in: .done)
        try await fixture.waitFor(first, in: .done)
        let results = [first, second].map { fixture.json(.done, $0, "result.json") ?? [:] }
        #expect(results.map { $0["device"] as? String } == ["cuda:0", "cpu"])
        #expect(results[1]["fallback_reason"] as? String == "no free GPU slot")
        let engineLog = log(fixture, "gpu-preferred")
        #expect(engineLog.contains("run \(second) device={\"kind\": \"cpu\"} CUDA_VISIBLE_DEVICES=\n"), "\(engineLog)")
        #expect(engineLog.contains("run \(first) device={\"index\": 0"), "\(engineLog)")
        supervisor.signal(SIGTERM)
        _ = await supervisor.wait()
    }

    @Test func killingAnEngineFreesItsLease() async throws {
        let fixture = try fixture(["max_attempts": 1])
        let supervisor = try await fixture.startSupervisor("--fake-gpus", "1")
        let id = try await fixture.submit("--engine", "gpu-only", "--param", "seconds=30")
        let slot = slotFile(fixture)
        let lease = try await waitForLease(fixture, slot, job: id)
        kill(try #require(lease.instancePID), SIGKILL)
        try await waitUntil("the slot is free", timeout: .seconds(10)) { !SlotLock.isHeld(slot) }
        try await fixture.waitFor(id, in: .failed)
        let table = LeaseTable.snapshot(directory: leases(fixture))
        #expect(table.heldCount == 0)
        supervisor.signal(SIGTERM)
        _ = await supervisor.wait()
    }

    @Test func aSupervisorKilledWithSIGKILLFreesEveryLease() async throws {
        let fixture = try fixture(["concurrency": 2])
        let supervisor = try await fixture.startSupervisor("--fake-gpus", "2")
        let jobs = [
            try await fixture.submit("--engine", "gpu-only", "--param", "seconds=30"),
            try await fixture.submit("--engine", "gpu-preferred", "--param", "seconds=30"),
        ]
        try await waitUntil("both GPUs are leased") {
            LeaseTable.snapshot(directory: leases(fixture)).slots.filter { $0.held && jobs.contains($0.holder?.job ?? "") }.count == 2
        }
        supervisor.signal(SIGKILL)
        _ = await supervisor.wait()
        let table = LeaseTable.snapshot(directory: leases(fixture))
        #expect(table.slots.count == 2 && table.heldCount == 0, "\(table.slots)")
        // The files stay with their last holder, and mean nothing: anyone may take the slots.
        #expect(table.slots.allSatisfy { $0.holder != nil })
        for slot in table.slots {
            let lock = try #require(SlotLock.tryAcquire(slot.file), "\(slot.file) should be free")
            lock.release()
        }
    }

    @Test func anIdleInstanceIsEvictedAfterItsKeepAlive() async throws {
        let fixture = try fixture(["concurrency": 2])
        let supervisor = try await fixture.startSupervisor("--fake-gpus", "2")
        // gpu-keepalive keeps idle instances 1 s; gpu-preferred the default 5 minutes.
        let brief = try await fixture.submit("--engine", "gpu-keepalive", "--param", "seconds=3")
        let kept = try await fixture.submit("--engine", "gpu-preferred", "--param", "seconds=3")
        try await waitUntil("both GPUs are leased to started instances") {
            LeaseTable.snapshot(directory: leases(fixture)).slots.filter { $0.held && $0.holder?.instancePID != nil }.count == 2
        }
        let table = LeaseTable.snapshot(directory: leases(fixture))
        let briefSlot = try #require(table.slots.first { $0.holder?.engine == "gpu-keepalive" })
        let keptSlot = try #require(table.slots.first { $0.holder?.engine == "gpu-preferred" })
        let briefPID = try #require(briefSlot.holder?.instancePID)
        try await fixture.waitFor(brief, in: .done)
        try await fixture.waitFor(kept, in: .done)
        try await waitUntil("the idle gpu-keepalive instance is shut down", timeout: .seconds(15)) {
            !FileManager.default.fileExists(atPath: briefSlot.file) && kill(briefPID, 0) != 0
        }
        #expect(SlotLock.isHeld(keptSlot.file), "an instance within its keep-alive keeps its slot")
        supervisor.signal(SIGTERM)
        let exit = await supervisor.wait()
        #expect(exit.stderr.contains("idle for longer than its keep-alive of 1.0s"), "\(exit.stderr.suffix(2000))")
    }

    @Test func aGPUJobEvictsAnIdleInstanceOfAnotherEngineFromTheSlot() async throws {
        let fixture = try fixture()
        let supervisor = try await fixture.startSupervisor("--fake-gpus", "1")
        let first = try await fixture.submit("--engine", "gpu-preferred")
        try await fixture.waitFor(first, in: .done)
        let idle = try #require(holder(slotFile(fixture))?.instancePID)
        let second = try await fixture.submit("--engine", "gpu-only")
        try await fixture.waitFor(second, in: .done)
        #expect(fixture.json(.done, second, "result.json")?["device"] as? String == "cuda:0")
        #expect(kill(idle, 0) != 0, "the idle gpu-preferred instance was evicted")
        #expect(holder(slotFile(fixture))?.engine == "gpu-only")
        supervisor.signal(SIGTERM)
        let exit = await supervisor.wait()
        #expect(exit.stderr.contains("engine gpu-only needs its GPU slot"), "\(exit.stderr.suffix(2000))")
    }

    @Test func anIdleInstanceOfAnotherSupervisorOnTheHostMakesWayForAWaitingGPUJob() async throws {
        let fixture = try fixture(["concurrency": 1, "shutdown_grace_s": 0.2])
        let first = try await fixture.startSupervisor("--fake-gpus", "1")
        let warm = try await fixture.submit("--engine", "gpu-preferred")
        try await fixture.waitFor(warm, in: .done)
        let idle = try #require(holder(slotFile(fixture))?.instancePID)
        // Keep the first supervisor busy (its one job runs until cancelled), so the second takes the GPU job.
        let busy = try await fixture.submit("--engine", "ignore-cancel")
        try await waitUntil("the first supervisor is busy") { fixture.json(.cur, busy, "status.json")?["state"] as? String == "running" }
        let waiting = try await fixture.submit("--engine", "gpu-only")
        let second = try await fixture.startSupervisor("--fake-gpus", "1")
        try await fixture.waitFor(waiting, in: .done)
        #expect(fixture.json(.done, waiting, "result.json")?["device"] as? String == "cuda:0")
        #expect(kill(idle, 0) != 0, "the first supervisor shut its idle instance down")
        #expect(holder(slotFile(fixture))?.supervisorPID == second.pid)
        first.signal(SIGTERM)
        second.signal(SIGTERM)
        let exit = await first.wait()
        _ = await second.wait()
        #expect(exit.stderr.contains("another supervisor on this host waits for a GPU slot"), "\(exit.stderr.suffix(2000))")
    }

    @Test func anOOMOnTheGPURestartsTheInstanceAndRetriesOnTheCPU() async throws {
        let fixture = try fixture()
        let id = try await fixture.submit("--engine", "gpu-oom")
        let supervisor = try await fixture.runUntilIdle("--fake-gpus", "1")
        #expect(supervisor.status == 0, "\(supervisor.summary)")
        let result = try #require(fixture.json(.done, id, "result.json"), "\(supervisor.stderr.suffix(2000))")
        #expect(result["attempts"] as? Int == 2)
        #expect(result["device"] as? String == "cpu")
        #expect(result["fallback_reason"] as? String == "the previous attempt ran out of GPU memory")
        let engineLog = log(fixture, "gpu-oom")
        let initializations = engineLog.split(separator: "\n").filter { $0.hasPrefix("initialize") }
        #expect(initializations.count == 2 && initializations[0].contains("cuda") && initializations[1].contains("\"cpu\""), "\(engineLog)")
        #expect(supervisor.stderr.contains("oom"))
        #expect(LeaseTable.snapshot(directory: leases(fixture)).heldCount == 0)
    }

    @Test func aGPUOnlyJobOnAHostWithoutGPUsFailsSayingSo() async throws {
        let fixture = try fixture()
        let id = try await fixture.submit("--engine", "gpu-only")
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        let error = try #require(fixture.json(.failed, id, "error.json")?["error"] as? [String: Any])
        #expect(error["kind"] as? String == "unsupported")
        #expect((error["message"] as? String)?.contains("runs only on a GPU, and this host has no GPU") == true, "\(error)")
    }

    @Test func globalInstanceLimitsHoldAtAllTimes() async throws {
        let fixture = try fixture(["concurrency": 3, "instance_limits": ["total": 1]])
        let supervisor = try await fixture.startSupervisor("--fake-gpus", "1")
        let supervisorPID = try #require(supervisor.pid)
        let jobs = [
            try await fixture.submit("--engine", "gpu-preferred", "--param", "seconds=0.5"),
            try await fixture.submit("--engine", "ok"),
            try await fixture.submit("--engine", "gpu-only", "--param", "seconds=0.5"),
        ]
        var most = 0
        let deadline = ContinuousClock.now + .seconds(60)
        while !jobs.allSatisfy({ FileManager.default.fileExists(atPath: fixture.spool.path(of: .done, $0)) }) {
            most = max(most, try await children(of: supervisorPID).count)
            if fixture.entries(.failed).count > 0 { break }
            try #require(ContinuousClock.now < deadline, "jobs stuck: new \(fixture.entries(.new)), cur \(fixture.entries(.cur))")
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(fixture.entries(.failed).isEmpty)
        #expect(most == 1, "at most one engine instance at a time, saw \(most)")
        supervisor.signal(SIGTERM)
        _ = await supervisor.wait()
    }
}
