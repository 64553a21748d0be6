import Basics
import EngineProtocol
import Foundation

/// Requests to the engine and their ends: each waits for its answer line,
/// under a deadline that progress moves on (a stall), and a cancel the
/// engine ignores costs it its life.
extension EngineProcess {
    func request<Params: Codable & Sendable, Result: Decodable & Sendable>(
        _ method: String, _ params: Params, id: Int? = nil, timeout: Double, stall: Double? = nil,
        progress: (@Sendable (ProgressParams) -> Void)? = nil
    ) async throws(EngineError) -> Result {
        let response = try await exchange(method, params, id: id, timeout: timeout, stall: stall, progress: progress)
        do {
            return try codec.decode(Response<Result>.self, from: response).result
        } catch {
            throw EngineError(
                .internal,
                "engine \(manifest.name) answered \(method) with a result that does not match PROTOCOL.md: \(JSONObjectReader.describe(error))")
        }
    }

    /// Sends one request and waits for its answer line. `raw` hands back an
    /// error answer as its line too, instead of throwing it.
    func exchange<Params: Codable & Sendable>(
        _ method: String, _ params: Params, id: Int? = nil, timeout: Double, stall: Double? = nil,
        progress: (@Sendable (ProgressParams) -> Void)? = nil, raw: Bool = false
    ) async throws(EngineError) -> String {
        guard state == .starting || state == .ready, let outgoing else {
            throw EngineError(.engineCrashed, exitReason ?? "engine \(manifest.name) is not running")
        }
        let id = id ?? allocateID()
        let line: [UInt8]
        do {
            line = try codec.encode(Request(id: .int(id), method: method, params: params))
        } catch {
            throw EngineError(.internal, "cannot encode \(method): \(error.localizedDescription)")
        }
        let response: String
        do {
            response = try await withCheckedThrowingContinuation { continuation in
                let limit = ContinuousClock.now + .seconds(timeout)
                let stall = stall.flatMap { $0 < timeout ? Duration.seconds($0) : nil }
                let timer = Task { [self] in await self.watchDeadline(of: id) }
                pending[id] = PendingRequest(
                    method: method, continuation: continuation, progress: progress, timer: timer,
                    deadline: stall.map { min(.now + $0, limit) } ?? limit, limit: limit, stall: stall, seconds: timeout, raw: raw)
                outgoing.yield(line)
            }
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError(.internal, "\(error)")
        }
        return response
    }

    func allocateID() -> Int {
        defer { nextID += 1 }
        return nextID
    }

    func cancel(_ id: Int) {
        guard pending[id] != nil, let line = try? codec.encode(Notification(method: Method.cancel, params: CancelParams(id: .int(id)))) else {
            return
        }
        outgoing?.yield(line)
        let grace = manifest.timeouts.cancelSeconds
        Task { [self] in
            try? await Task.sleep(for: .seconds(grace))
            self.killIfStillPending(id, reason: .ignoredCancel(seconds: grace))
        }
    }

    func killIfStillPending(_ id: Int, reason: KillReason) {
        guard let request = pending.removeValue(forKey: id) else { return }
        request.timer?.cancel()
        request.continuation.resume(throwing: EngineError(.cancelled, "cancelled; the engine was killed because \(reason)"))
        kill(because: reason)
    }

    /// Sleeps until the request's deadline, following it as progress moves
    /// it on, and times the request out when it passes.
    func watchDeadline(of id: Int) async {
        while let request = pending[id] {
            try? await Task.sleep(until: request.deadline, clock: .continuous)
            if Task.isCancelled { return }
            guard let current = pending[id], ContinuousClock.now >= current.deadline else { continue }
            timedOut(id)
            return
        }
    }

    func timedOut(_ id: Int) {
        guard let request = pending.removeValue(forKey: id) else { return }
        let message =
            if let stall = request.stall, request.deadline < request.limit {
                "engine \(manifest.name) reported no progress on \(request.method) for \(stall.components.seconds)s"
            } else {
                "engine \(manifest.name) did not answer \(request.method) within \(request.seconds)s"
            }
        request.continuation.resume(throwing: EngineError(.timeout, message))
        // Its state is unknown now; a fresh instance is the safe way on.
        kill(because: .deadline(message))
    }
}
