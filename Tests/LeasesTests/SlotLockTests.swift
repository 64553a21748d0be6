import AudioSpoolTestKit
import Foundation
import Glibc
import Leases
import Synchronization
import Testing

@Suite struct SlotLockTests {
    @Test func aHeldSlotCannotBeTakenTwiceAndItsFileGoesOnRelease() throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/gpu0.slot0"
        let lock = try #require(SlotLock.tryAcquire(path))
        #expect(SlotLock.isHeld(path))
        #expect(SlotLock.tryAcquire(path) == nil, "flock conflicts between descriptors, even in one process")
        lock.write(Data(#"{"a": "longer contents first"}"#.utf8))
        lock.write(Data("short".utf8))
        #expect(FileManager.default.contents(atPath: path) == Data("short".utf8), "rewritten in place, truncated")
        lock.release()
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!SlotLock.isHeld(path))
        let again = try #require(SlotLock.tryAcquire(path))
        again.release()
    }

    @Test func aLockHeldByAnotherProcessIsSeenAndFreedWhenItDies() async throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/gpu0.slot0"
        // One process, no child: flock(1) forks its command, and a child that
        // has not yet closed its copy of the locked descriptor holds the lock
        // after flock(1) is killed (a loaded machine once showed it).
        let holder = try await ChildProcess.start(
            "/usr/bin/python3", ["-c", "import fcntl, sys, time\nf = open(sys.argv[1], 'a')\nfcntl.flock(f, fcntl.LOCK_EX)\ntime.sleep(30)", path])
        try await waitUntil("the other process holds the slot") { SlotLock.isHeld(path) }
        #expect(SlotLock.tryAcquire(path) == nil)
        holder.signal(SIGKILL)
        _ = await holder.wait()
        #expect(!SlotLock.isHeld(path), "the kernel drops a dead process's lock")
        let lock = try #require(SlotLock.tryAcquire(path), "a stale file is free to take")
        lock.release()
    }

    @Test func slotsAreTakenPerGPUWithinTheirMemory() throws {
        let directory = TemporaryDirectory()
        let inventory = GPUInventory(
            gpus: [GPU.fake(index: 0, memoryMB: 8000), GPU.fake(index: 1, memoryMB: 16000)], slotsPerGPU: 2, source: "fake")
        let slots = GPUSlots(directory: directory.path, inventory: inventory)
        try slots.prepare()
        let holder = LeaseHolder.current(engine: "x", job: "j", memoryMB: 6000)
        let first = try #require(slots.acquire(slots: 1, memoryMB: 6000, holder: holder))
        #expect(first.gpu.index == 0)
        // gpu0 has a free slot but only 2000 MiB left: gpu1 it is.
        let second = try #require(slots.acquire(slots: 1, memoryMB: 6000, holder: holder))
        #expect(second.gpu.index == 1)
        let both = slots.acquire(slots: 2, memoryMB: nil, holder: holder)
        #expect(both == nil, "no GPU has two free slots")
        #expect(slots.impossibility(slots: 1, memoryMB: 20000)?.contains("largest GPU has 16000 MiB") == true)
        #expect(slots.impossibility(slots: 3, memoryMB: nil)?.contains("each GPU has 2") == true)

        let table = LeaseTable.snapshot(directory: directory.path)
        #expect(table.inventory == inventory)
        #expect(table.slots.map(\.held) == [true, false, true, false])
        #expect(table.slots.first?.holder?.gpuUUID == inventory.gpus[0].uuid)
        first.release()
        second.release()
        #expect(LeaseTable.snapshot(directory: directory.path).heldCount == 0)
    }

    @Test func eachLeaseCountsItsMemoryEvenWhenTwoLookAlike() throws {
        // Two instances of one engine, leased by one supervisor in the same
        // moment, before either has a pid: their holders read the same.
        let directory = TemporaryDirectory()
        let inventory = GPUInventory(gpus: [GPU.fake(index: 0, memoryMB: 8000)], slotsPerGPU: 3, source: "fake")
        let slots = GPUSlots(directory: directory.path, inventory: inventory)
        try slots.prepare()
        let holder = LeaseHolder.current(engine: "x", job: nil, memoryMB: 3000)
        let first = try #require(slots.acquire(slots: 1, memoryMB: 3000, holder: holder))
        let second = try #require(slots.acquire(slots: 1, memoryMB: 3000, holder: holder))
        #expect(first.holder.lease != second.holder.lease)
        #expect(slots.acquire(slots: 1, memoryMB: 3000, holder: holder) == nil, "6000 of 8000 MiB are taken: 3000 more do not fit")
        first.release()
        second.release()
    }

    @Test func nvidiaSMIOutputIsParsed() {
        let output = """
            0, GPU-1b2c3d4e-0000-1111-2222-333344445555, 24564, 23000
            WARNING: infoROM is corrupted at gpu 0000:02:00.0
            1, GPU-99999999-0000-1111-2222-333344445555, 81559, 80000
            """
        let gpus = GPUDiscovery.parse(nvidiaSMI: output)
        #expect(gpus.map(\.index) == [0, 1])
        #expect(gpus[1].uuid == "GPU-99999999-0000-1111-2222-333344445555" && gpus[1].memoryMB == 81559 && gpus[1].memoryFreeMB == 80000)
    }

    @Test func declaredGPUsWinOverDiscoveryAndFakeOnesOverDeclared() {
        var discovery = GPUDiscovery()
        discovery.nvidiaSMI = "/nonexistent/nvidia-smi"
        #expect(discovery.discover().source == "none")
        discovery.declared = [GPU(index: 3, uuid: "GPU-declared")]
        #expect(discovery.discover().gpus.map(\.uuid) == ["GPU-declared"])
        discovery.fakeCount = 2
        let fake = discovery.discover()
        #expect(fake.source == "fake" && fake.gpus.count == 2 && Set(fake.gpus.map(\.uuid)).count == 2)
    }
}

@Suite struct SlotProbeTests {
    @Test func probingASlotDoesNotMakeItLookTaken() async throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/gpu0.slot0"
        FileManager.default.createFile(atPath: path, contents: Data())
        // Someone probing in a tight loop, as `audiospool gpu` or another supervisor might.
        let probes = Mutex(0)
        let probing = Thread {
            while !Thread.current.isCancelled {
                _ = SlotLock.isHeld(path)
                probes.withLock { $0 += 1 }
            }
        }
        probing.start()
        defer { probing.cancel() }
        try await waitUntil("the prober runs") { probes.withLock { $0 } > 0 }
        for _ in 0..<2000 {
            let lock = try #require(SlotLock.tryAcquire(path), "a free slot must be taken despite probes")
            lock.release()
            FileManager.default.createFile(atPath: path, contents: Data())
        }
    }
}
