import AudioSpoolTestKit
import Basics
import EngineHost
import EngineProtocol
import Foundation
import Testing

/// The real tone engine, as a long-lived child.
@Suite(.timeLimit(.minutes(3))) struct EngineProcessTests {
    let work = TemporaryDirectory()

    func runParams(_ params: [String: JSONValue], task: String = "tone", text: String? = nil) -> RunParams {
        RunParams(jobID: "t", task: task, text: text, params: params, workDir: work.path)
    }

    @Test func handshakeReportsWhatTheEngineIs() async throws {
        let engine = try process("tone")
        let info = try await engine.start()
        #expect(info.name == "tone")
        #expect(info.tasks == ["tone", "tts"])
        #expect(info.sampleRates?.contains(24000) == true)
        #expect(await engine.pid != nil)
        await engine.shutdown()
        #expect(await engine.state == .exited)
    }

    @Test func runWritesAWavAndReportsMonotonicProgress() async throws {
        let engine = try process("tone")
        try await engine.start()
        let progress = ProgressLog()
        let result = try await engine.run(runParams(["seconds": 0.5, "sample_rate": 16000]), progress: progress.record)
        #expect(result.outputs == [OutputFile(name: "output", path: "output.wav")])
        let size = try FileManager.default.attributesOfItem(atPath: work.file("output.wav"))[.size] as? Int
        #expect(size == 44 + 8000 * 2)
        #expect(progress.all.count >= 5)
        #expect(progress.all == progress.all.sorted())
        #expect(progress.all.last == 1.0)
        await engine.shutdown()
    }

    @Test func theModelStaysResidentAcrossJobs() async throws {
        let engine = try process("tone")
        try await engine.start()
        let pid = try #require(await engine.pid)
        for seconds in [0.1, 0.2, 0.3] {
            _ = try await engine.run(runParams(["seconds": .number(seconds)]))
        }
        #expect(await engine.pid == pid)
        await engine.shutdown()
    }

    @Test func badParamsAreBadInputWithTheEnginesMessage() async throws {
        let engine = try process("tone")
        try await engine.start()
        await #expect(throws: EngineError(.badInput, "param 'seconds' must be at least 0.001, got -1.0")) {
            try await engine.run(runParams(["seconds": -1]))
        }
        // The engine survives a bad job.
        _ = try await engine.run(runParams(["seconds": 0.1]))
        await engine.shutdown()
    }

    @Test func cancellingTheTaskCancelsTheRun() async throws {
        let engine = try process("tone")
        try await engine.start()
        let started = ContinuousClock.now
        let progress = ProgressLog()
        let run = Task { try await engine.run(runParams(["seconds": 60, "pace": 1]), progress: progress.record) }
        try await waitUntil("the run reports progress") { !progress.all.isEmpty }
        run.cancel()
        await #expect(throws: EngineError.self) { try await run.value }
        let error = await run.result
        if case .failure(let failure as EngineError) = error {
            #expect(failure.kind == .cancelled)
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        // Cancel does not cost the instance.
        #expect(await engine.state == .ready)
        _ = try await engine.run(runParams(["seconds": 0.1]))
        await engine.shutdown()
    }

    @Test func aKilledEngineFailsItsRunAsCrashed() async throws {
        let engine = try process("tone")
        try await engine.start()
        let pid = try #require(await engine.pid)
        let progress = ProgressLog()
        let run = Task { try await engine.run(runParams(["seconds": 60, "pace": 1]), progress: progress.record) }
        try await waitUntil("the run reports progress") { !progress.all.isEmpty }
        kill(pid, SIGKILL)
        do {
            _ = try await run.value
            Issue.record("a killed engine returned a result")
        } catch let error as EngineError {
            #expect(error.kind == .engineCrashed)
            #expect(error.message.contains("tone"))
        }
        #expect(await engine.state == .exited)
    }

    @Test func theEngineExitsOnStdinEOF() async throws {
        let engine = try process("tone")
        try await engine.start()
        let pid = try #require(await engine.pid)
        await engine.closeInput()
        #expect(await engine.waitForExit(timeout: 5))
        #expect(!isAlive(pid))
    }
}
