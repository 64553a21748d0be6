import Basics
import EngineProtocol
import Foundation
import Glibc
import Subprocess
import SystemPackage

/// One running engine instance: a long-lived child process that keeps its
/// model loaded and speaks the line protocol on stdin/stdout (PROTOCOL.md).
///
/// Requests are matched to responses by id, so several may be in flight. A
/// line on stdout that is not protocol, an answer to nothing, or a line over
/// the length limit is a protocol violation: the instance is killed, and
/// every request in flight fails as `engine_crashed`.
public actor EngineProcess {
    public nonisolated let manifest: EngineManifest
    public nonisolated let device: Device
    public nonisolated let options: Options

    public struct Options: Sendable {
        /// Where the engine's stderr is appended; nil discards it.
        public var logFile: String?
        /// Lines longer than this break the protocol.
        public var maxLineBytes = 1 << 20
        /// Prepended to PYTHONPATH, so Python engines find the SDK.
        public var sdkDirectory: String?
        /// The `config` object of `initialize`.
        public var config: [String: JSONValue] = [:]
        /// `initialize`'s `cpu_threads`.
        public var cpuThreads = 1
        /// `initialize`'s `voice_bank`: the spool's `voices/<engine>/`.
        public var voiceBank: String?
        /// Set by the host for this instance (device variables, …).
        public var environment: [String: String] = [:]
        /// Where engines' virtual environments live (EngineEnvironment).
        public var environmentsRoot = EngineEnvironment.defaultRoot
        /// Sees every line as it crosses, without its newline (for
        /// `engines check` and protocol tests).
        public var transcript: (@Sendable (Direction, String) -> Void)?

        public init(logFile: String? = nil) {
            self.logFile = logFile
        }
    }

    /// Which way a line crossed, for `Options.transcript`.
    public enum Direction: Sendable, Equatable {
        case toEngine, fromEngine
    }

    public enum State: Sendable, Equatable {
        case notStarted, starting, ready, exited
    }

    public private(set) var state = State.notStarted
    public private(set) var info: EngineInfo?
    public private(set) var pid: Int32?
    /// Why the process ended, once it has.
    public private(set) var exitReason: String?

    var outgoing: AsyncStream<[UInt8]>.Continuation?
    var pending: [Int: PendingRequest] = [:]
    var nextID = 1
    /// The request id of the latest `run` (`engines check` cancels it again).
    public private(set) var lastRunID: Int?
    private var violation: KillReason?
    private var exitWaiters: [CheckedContinuation<Void, Never>] = []
    private var exitHandler: (@Sendable () -> Void)?
    let codec = LineCodec()

    struct PendingRequest {
        var method: String
        var continuation: CheckedContinuation<String, any Error>
        var progress: (@Sendable (ProgressParams) -> Void)?
        var timer: Task<Void, Never>?
        /// When it times out; progress moves it on by `stall`, never past `limit`.
        var deadline: ContinuousClock.Instant
        var limit: ContinuousClock.Instant
        var stall: Duration?
        /// The time limit, for messages.
        var seconds: Double
        /// An error answer is handed back as its line (`rawRequest`).
        var raw = false
    }

    public init(manifest: EngineManifest, device: Device = .cpu, options: Options = Options()) {
        self.manifest = manifest
        self.device = device
        self.options = options
    }

    /// Called once, when the process has exited (for the pool's bookkeeping).
    public func onExit(_ handler: @escaping @Sendable () -> Void) {
        if state == .exited { handler() } else { exitHandler = handler }
    }

    /// Spawns the engine and completes the handshake.
    @discardableResult
    public func start() async throws(EngineError) -> EngineInfo {
        try await launch()
        let params = InitializeParams(engine: manifest.name, device: device, config: options.config, cpuThreads: options.cpuThreads, voiceBank: options.voiceBank)
        let result: InitializeResult = try await request(
            Method.initialize, params, timeout: manifest.timeouts.startSeconds)
        guard ProtocolVersion.supported.contains(result.protocolVersion) else {
            kill(because: .unsupportedProtocolVersion(result.protocolVersion))
            throw EngineError(.engineCrashed, "engine \(manifest.name) chose unsupported protocol version \(result.protocolVersion)")
        }
        info = result.engine
        if state == .starting { state = .ready }
        return result.engine
    }

    /// Spawns the engine without the handshake. `start` does both; `engines
    /// check` launches alone to send what a host never would (a `run` before
    /// `initialize`, an offer of no common version) with `rawRequest`.
    public func launch() async throws(EngineError) {
        precondition(state == .notStarted, "an EngineProcess starts once")
        // Writing to an engine that has just died must fail with EPIPE, not
        // kill the host: like SwiftNIO, this library ignores SIGPIPE for
        // the whole process.
        BrokenPipes.ignore()
        state = .starting
        let logDescriptor = openLog()
        if let environment = EngineEnvironment(manifest: manifest, root: options.environmentsRoot) {
            // Made on first use on this host, held to its lock on this
            // process's first start: jobs wait in "starting" meanwhile.
            do {
                try await environment.prepare(log: logDescriptor)
            } catch {
                try? logDescriptor.close()
                markExited(reason: error.message)
                throw error
            }
        }
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        outgoing = continuation
        let configuration = makeConfiguration()
        Task.detached { [self] in
            await self.supervise(configuration, stream, logDescriptor)
        }
    }

    /// Runs one job. Cancelling the calling task sends `cancel`; an engine
    /// that does not answer within `timeouts.cancel_s` is killed.
    public func run(
        _ params: RunParams, progress: (@Sendable (ProgressParams) -> Void)? = nil
    ) async throws(EngineError) -> RunResult {
        let id = allocateID()
        lastRunID = id
        do {
            return try await withTaskCancellationHandler {
                try await self.request(
                    Method.run, params, id: id, timeout: manifest.timeouts.runSeconds, stall: manifest.timeouts.stallSeconds,
                    progress: progress)
            } onCancel: {
                Task { await self.cancel(id) }
            }
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError(.internal, "\(error)")
        }
    }

    /// Sends a request as given and returns the engine's answer line as it
    /// came, a result or an error (`engines check`: requests the typed API
    /// never sends, such as a `run` without `work_dir`).
    public func rawRequest<Params: Codable & Sendable>(
        _ method: String, _ params: Params, timeout: Double
    ) async throws(EngineError) -> String {
        try await exchange(method, params, timeout: timeout, raw: true)
    }

    /// Sends a notification as given (`engines check`: a `cancel` for an id never sent).
    public func notify<Params: Codable & Sendable>(_ method: String, _ params: Params) {
        if let line = try? codec.encode(Notification(method: method, params: params)) { outgoing?.yield(line) }
    }

    public func ping(timeout: Double = 10) async throws(EngineError) {
        let _: Empty = try await request(Method.ping, Empty(), timeout: timeout)
    }

    /// Asks the engine to exit (`shutdown`, then stdin EOF), and kills it if
    /// it has not exited within `timeouts.shutdown_s`. `closingInput: false`
    /// keeps stdin open, so that only `shutdown` can make it exit (checks).
    public func shutdown(closingInput: Bool = true) async {
        let grace = manifest.timeouts.shutdownSeconds
        if state == .ready {
            let _: Empty? = try? await request(Method.shutdown, Empty(), timeout: grace)
        }
        if closingInput { outgoing?.finish() }
        if await !waitForExit(timeout: grace) {
            kill(because: .ignoredShutdown(seconds: grace))
            _ = await waitForExit(timeout: 10)
        }
    }

    /// Kills the process group now. Requests in flight fail as `engine_crashed`
    /// with `reason`.
    public func kill(because reason: KillReason) {
        if violation == nil { violation = reason }
        guard let pid, state != .exited else { return }
        Glibc.kill(-pid, SIGKILL)
        Glibc.kill(pid, SIGKILL)
    }

    /// Why the host killed the process (a protocol violation, a deadline),
    /// or nil if it has not.
    public var killReason: KillReason? { violation }

    /// Closes the engine's stdin (for tests of the EOF rule).
    public func closeInput() {
        outgoing?.finish()
    }

    /// Waits until the process has exited; false if `timeout` passed first.
    public func waitForExit(timeout: Double) async -> Bool {
        if state == .exited { return true }
        let timer = Task { [self] in
            try? await Task.sleep(for: .seconds(timeout))
            self.wakeExitWaiters()
        }
        await withCheckedContinuation { exitWaiters.append($0) }
        timer.cancel()
        return state == .exited
    }

    // MARK: State changes (called from EngineProcess+Lifecycle)

    func setPID(_ pid: Int32) {
        self.pid = pid
    }

    var violationPending: Bool { violation != nil }
    var currentViolation: KillReason? { violation }

    func send(_ bytes: [UInt8]) {
        outgoing?.yield(bytes)
    }

    /// Hands a response to its waiting request; false if none was waiting.
    func resolve(_ id: Int, line: String, error: RPCError?) -> Bool {
        guard let request = pending.removeValue(forKey: id) else { return false }
        request.timer?.cancel()
        if let error, !request.raw {
            request.continuation.resume(throwing: EngineError(error.kind, error.message))
        } else {
            request.continuation.resume(returning: line)
        }
        return true
    }

    func notifyProgress(_ id: Int, _ params: ProgressParams) {
        guard let request = pending[id] else { return }
        if let stall = request.stall { pending[id]?.deadline = min(.now + stall, request.limit) }
        request.progress?(params)
    }

    func markExited(reason: String) {
        state = .exited
        exitReason = reason
        outgoing?.finish()
        outgoing = nil
        let waiting = pending
        pending.removeAll()
        for request in waiting.values {
            request.timer?.cancel()
            request.continuation.resume(throwing: EngineError(.engineCrashed, reason))
        }
        wakeExitWaiters()
        exitHandler?()
        exitHandler = nil
    }

    func wakeExitWaiters() {
        let waiters = exitWaiters
        exitWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
    }
}
