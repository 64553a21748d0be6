import AudioSpoolTestKit
import EngineHost
import EngineProtocol
import Foundation
import Testing

@Suite(.timeLimit(.minutes(3))) struct EnginePoolTests {
    func pool(instances: Int = 1) -> EnginePool {
        var settings = EnginePool.Settings()
        settings.sdkDirectory = Repository.sdk
        settings.engines["tone"] = .init(instances: instances)
        return EnginePool(registry: .load(directory: Repository.engines), settings: settings)
    }

    @Test func instancesStartLazilyAndAreReused() async throws {
        let pool = pool()
        #expect(await pool.snapshot().isEmpty)
        let first = try await pool.acquire("tone")
        let pid = try #require(await first.process.pid)
        await pool.release(first)
        let second = try await pool.acquire("tone")
        #expect(await second.process.pid == pid)
        await pool.release(second)
        #expect(await pool.snapshot().map(\.served) == [2])
        await pool.shutdown()
    }

    @Test func aDeadInstanceIsReplaced() async throws {
        let pool = pool()
        let lease = try await pool.acquire("tone")
        let pid = try #require(await lease.process.pid)
        await pool.release(lease)
        kill(pid, SIGKILL)
        #expect(await lease.process.waitForExit(timeout: 5))
        let next = try await pool.acquire("tone")
        let newPID = await next.process.pid
        #expect(newPID != nil && newPID != pid)
        await pool.release(next)
        await pool.shutdown()
    }

    @Test func atTheLimitAcquireWaitsForARelease() async throws {
        let pool = pool(instances: 1)
        let held = try await pool.acquire("tone")
        let waiting = Task { try await pool.acquire("tone") }
        // Not synchronisation: a window in which a wrongly started second
        // instance would show up.
        try await Task.sleep(for: .milliseconds(200))
        #expect(await pool.snapshot().count == 1, "no second instance beyond the limit")
        await pool.release(held)
        let next = try await waiting.value
        let heldPID = try #require(await held.process.pid)
        #expect(await next.process.pid == heldPID)
        await pool.release(next)
        await pool.shutdown()
    }

    @Test func anUnknownEngineIsBadInputNamingTheInstalledOnes() async throws {
        let pool = pool()
        await #expect { try await pool.acquire("nope") } throws: { error in
            let error = error as? EngineError
            return error?.kind == .badInput && error?.message.contains("unknown engine \"nope\"") == true
                && error?.message.contains("tone") == true
        }
    }
}
