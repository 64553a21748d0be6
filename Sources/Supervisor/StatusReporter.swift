import Basics
import EngineProtocol
import Foundation
import Spool
import Synchronization

/// Keeps `cur/<id>/status.json` current. Progress can arrive hundreds of
/// times a second; the file is rewritten at most `interval` apart (and on
/// every change of state), each time atomically. It is first written once
/// the attempt has run `interval`: a job done sooner never has one, as it
/// would be read by nobody (SPOOL.md), and three writes were a tenth of such
/// a job's cost (bench/RESULTS.md). Crossing 25%, 50% and 75% is reported
/// to `milestone` (the events log).
final class StatusReporter: Sendable {
    private struct State {
        var status: JobStatus
        var lastWrite: ContinuousClock.Instant?
        var quarter = 0
        /// The first progress reported, and when: the ETA's origin, so the
        /// time before it (starting the engine, loading a model, decoding
        /// the input) is not taken for the pace of the work.
        var firstProgress: (value: Double, at: ContinuousClock.Instant)?
        /// Whether the attempt has run `interval`: until then nothing is written.
        var started = false
        /// After `finish()`, nothing is written any more.
        var finished = false
    }

    private let folder: JobFolder
    private let interval: Duration
    private let startedAt: ContinuousClock.Instant
    private let state: Mutex<State>
    private let milestone: (@Sendable (Double) -> Void)?
    /// Whether the job is still this claim's (fencing): status.json is
    /// written only while it is, so a supervisor that woke from a stall
    /// never overwrites its successor's.
    private let owned: @Sendable () -> Bool

    init(
        folder: JobFolder, status: JobStatus, interval: Duration = .milliseconds(250),
        owned: @escaping @Sendable () -> Bool = { true }, milestone: (@Sendable (Double) -> Void)? = nil
    ) {
        self.folder = folder
        self.owned = owned
        self.milestone = milestone
        self.interval = interval
        self.startedAt = .now
        self.state = Mutex(State(status: status))
        self.first = Mutex(nil)
        // The first write, at `interval`, of whatever the status is by then.
        let task = Task { [weak self, interval] in
            try? await Task.sleep(for: interval)
            guard !Task.isCancelled else { return }
            self?.start()
        }
        first.withLock { $0 = task }
    }

    private let first: Mutex<Task<Void, Never>?>

    deinit { first.withLock { $0?.cancel() } }

    private func start() {
        state.withLock { state in
            guard !state.finished, !state.started else { return }
            state.started = true
            write(&state, before: state.status.state, force: true)
        }
    }

    /// The job is leaving `cur/` (done, failed or requeued): no more writes.
    func finish() {
        state.withLock { $0.finished = true }
        first.withLock { $0?.cancel() }
    }

    /// Applies `change`; writes now if the state changed or `interval` has
    /// passed, once the attempt has run `interval`.
    func update(force: Bool = false, _ change: (inout JobStatus) -> Void) {
        let crossed: Int? = state.withLock { state in
            let before = state.status.state
            change(&state.status)
            if state.firstProgress == nil, state.status.progress > Self.minimumProgress {
                state.firstProgress = (state.status.progress, .now)
            }
            // Reaching 100% is not a milestone: `done` follows.
            let quarter = state.status.progress < 1 ? min(3, Int(state.status.progress * 4)) : state.quarter
            let crossed = quarter > state.quarter ? quarter : nil
            if crossed != nil { state.quarter = quarter }
            write(&state, before: before, force: force)
            return crossed
        }
        // A claim that was taken over records no milestones of its own any more.
        if let crossed, owned() { milestone?(Double(crossed) / 4) }
    }

    private func write(_ state: inout State, before: JobStatus.State, force: Bool) {
        guard state.started, !state.finished else { return }
        let now = ContinuousClock.now
        let due = state.lastWrite.map { now - $0 >= interval } ?? true
        guard force || due || state.status.state != before else { return }
        state.status.updatedAt = Timestamp.now()
        state.status.etaSeconds = Self.eta(
            progress: state.status.progress, elapsed: now - startedAt,
            since: state.firstProgress.map { (progress: $0.value, elapsed: now - $0.at) })
        state.lastWrite = now
        // A status file that cannot be written must not fail the job.
        guard owned() else { return }
        try? folder.write(state.status, to: folder.statusFile)
    }

    func progress(_ params: ProgressParams) {
        update { status in
            status.progress = min(1, max(status.progress, params.progress))
            if let message = params.message { status.message = message }
            if let done = params.segmentsDone { status.segmentsDone = done }
            if let total = params.segmentsTotal { status.segmentsTotal = total }
        }
    }

    static let minimumProgress = 0.001

    /// Seconds left at the pace since the first progress report (`since`),
    /// once progress has moved past it; until then, at the pace since the
    /// job started.
    static func eta(progress: Double, elapsed: Duration, since first: (progress: Double, elapsed: Duration)? = nil) -> Double? {
        guard progress > minimumProgress, progress < 1 else { return progress >= 1 ? 0 : nil }
        let (done, seconds): (Double, Double) =
            if let first, progress - first.progress > minimumProgress {
                (progress - first.progress, first.elapsed.seconds)
            } else {
                (progress, elapsed.seconds)
            }
        return (seconds * (1 - progress) / done * 10).rounded() / 10
    }
}
