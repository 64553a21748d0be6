import AudioSpoolTestKit
import EngineHost
import EngineProtocol
import Foundation
import Testing

/// Engines that break the protocol are killed, and say why.
@Suite(.timeLimit(.minutes(3))) struct MisbehavingEngineTests {
    let work = TemporaryDirectory()
    let logs = TemporaryDirectory()

    var run: RunParams { RunParams(jobID: "t", task: "tone", workDir: work.path) }

    func expectCrash(_ mode: String, mentioning phrase: String) async throws {
        let engine = try process(mode, fixture: true, log: logs)
        try await engine.start()
        let pid = try #require(await engine.pid)
        do {
            _ = try await engine.run(run)
            Issue.record("\(mode): the run succeeded")
        } catch {
            #expect(error.kind == .engineCrashed, "\(mode): \(error)")
            #expect(error.message.contains(phrase), "\(mode): \(error.message)")
        }
        #expect(await engine.waitForExit(timeout: 5))
        #expect(!isAlive(pid), "\(mode): the engine must be gone")
    }

    @Test func stdoutNoiseIsAProtocolViolation() async throws {
        try await expectCrash("garbage", mentioning: "not a JSON-RPC message to stdout: \"WARNING: something chatty")
    }

    @Test func aLineOverTheLimitIsAProtocolViolation() async throws {
        try await expectCrash("longline", mentioning: "over 1048576 bytes")
    }

    @Test func anAnswerToNothingIsAProtocolViolation() async throws {
        try await expectCrash("unknown-id", mentioning: "never sent (id 999)")
        let engine = try process("unknown-id", fixture: true, log: logs)
        try await engine.start()
        _ = try? await engine.run(run)
        #expect(await engine.killReason == .unknownResponseID(.int(999)))
    }

    @Test func anIdEchoedAsAStringAnswersNothing() async throws {
        try await expectCrash("string-id", mentioning: "never sent (id \"2\", a string;")
    }

    @Test func bytesThatAreNotUTF8AreAProtocolViolation() async throws {
        try await expectCrash("invalid-utf8", mentioning: "not a JSON-RPC message to stdout: \"\u{FFFD}(garbage")
    }

    @Test func dyingMidLineIsACrash() async throws {
        try await expectCrash("mid-line", mentioning: #"not a JSON-RPC message to stdout: "{"jsonrpc": "2.0", "id": 2, "result": {"outp""#)
    }

    @Test func aCrashReportsTheEnginesLastWords() async throws {
        try await expectCrash("crash", mentioning: "boom: simulated crash in the model")
    }

    @Test func noiseBeforeTheHandshakeFailsTheStart() async throws {
        let engine = try process("garbage-start", fixture: true)
        await #expect { try await engine.start() } throws: { error in
            (error as? EngineError)?.message.contains("Loading model... done!") == true
        }
    }

    @Test func aSlowStartTimesOut() async throws {
        let engine = try process("slow-start", fixture: true)
        await #expect(throws: EngineError(.timeout, "engine slow-start did not answer initialize within 1.0s")) {
            try await engine.start()
        }
        #expect(await engine.waitForExit(timeout: 5))
    }

    @Test func anEngineThatIgnoresCancelIsKilled() async throws {
        let engine = try process("ignore-cancel", fixture: true)
        try await engine.start()
        let pid = try #require(await engine.pid)
        let progress = ProgressLog()
        let running = Task { try await engine.run(run, progress: progress.record) }
        try await waitUntil("the run reports progress") { !progress.all.isEmpty }
        running.cancel()
        if case .failure(let error as EngineError) = await running.result {
            #expect(error.kind == .cancelled)
            #expect(error.message.contains("did not stop within 0.5s"))
        } else {
            Issue.record("expected a cancelled error")
        }
        #expect(await engine.waitForExit(timeout: 5))
        #expect(!isAlive(pid))
    }

    @Test func aResultOfTheWrongShapeIsAnEngineBug() async throws {
        let engine = try process("bad-result", fixture: true)
        try await engine.start()
        await #expect { try await engine.run(run) } throws: { error in
            (error as? EngineError)?.kind == .internal
        }
        await engine.shutdown()
    }

    @Test func aMissingProgramCannotStart() async throws {
        var manifest = try EngineManifest.load(directory: Repository.fixtureEngines + "/ok")
        manifest.command = ["./no-such-program"]
        let engine = EngineProcess(manifest: manifest)
        await #expect { try await engine.start() } throws: { error in
            let error = error as? EngineError
            return error?.kind == .engineCrashed && error?.message.contains("could not be started") == true
        }
    }
}
