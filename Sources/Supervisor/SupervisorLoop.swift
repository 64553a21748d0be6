import Basics
import EngineHost
import Foundation
import Logging
import Spool
import Webhooks

/// The supervisor's one loop: the only place that claims. Every change
/// arrives as an event (a file arrived, a job finished, a tick, a signal, a
/// cancel request), so the loop's state needs no locks.
///
/// Jobs run as tasks, at most `concurrency` at once. On graceful shutdown
/// the loop claims nothing more and lets running jobs finish; when the
/// service group's grace period is over (`graceExpired`) it cancels them,
/// which returns them to `new/`.
final class SupervisorLoop {
    enum Event: Sendable {
        case watch(SpoolWatcher.Event)
        case cancelRequested(String)
        case tick
        case finished(String, JobRunner.Outcome)
        case shutdown
        case graceExpired
    }

    let spool: Spool
    let config: SpoolConfig
    let runner: JobRunner
    let cancellations: Cancellations
    let untilIdle: Bool
    let continuation: AsyncStream<Event>.Continuation
    let logger: Logger
    private var queue: PendingQueue
    private let recovery: OrphanRecovery
    /// Jobs this supervisor runs, by id: their heartbeats are ours to write.
    private var running: [String: Task<JobRunner.Outcome, Never>] = [:]
    /// Their claims' fencing tokens: a heartbeat is written only for our own claim.
    private var tokens: [String: String] = [:]
    private var draining = false
    /// systemd's notify socket (Type=notify): READY=1 once the first scan
    /// is done, WATCHDOG=1 from the loop itself (so a wedged loop is
    /// restarted), STOPPING=1 when draining begins.
    private let systemd = SystemdNotifier()
    private var lastWatchdog = ContinuousClock.now
    private var last = (rescan: ContinuousClock.now, heartbeat: ContinuousClock.now, ping: ContinuousClock.now,
                        recovery: ContinuousClock.now, cancelScan: ContinuousClock.now, evict: ContinuousClock.now)

    init(
        runner: JobRunner, cancellations: Cancellations, recovery: OrphanRecovery, untilIdle: Bool,
        continuation: AsyncStream<Event>.Continuation, logger: Logger
    ) throws {
        self.runner = runner
        spool = runner.spool
        config = runner.config
        self.cancellations = cancellations
        self.untilIdle = untilIdle
        self.continuation = continuation
        self.logger = logger
        var pending = PendingQueue(spool: spool, settle: config.settleSeconds, defaultPriority: config.priority, limits: config.limits)
        pending.filter = runner.enginesOnly
        pending.drops = JobSchedule.DropEngines(config)
        queue = pending
        self.recovery = recovery
        try queue.rescan()
    }

    func run(_ events: AsyncStream<Event>) async {
        await withTaskGroup(of: Void.self) { group in
            // The first scan of new/ (init) and orphan recovery are done.
            systemd.ready(status: "watching \(spool.root); \(queue.count) pending")
            systemd.watchdog()
            claimWhilePossible(group: &group)
            processCancelRequests()
            for await event in events {
                handle(event, group: &group)
                claimWhilePossible(group: &group)
                if draining && running.isEmpty { break }
                if untilIdle && running.isEmpty && !queue.hasWork() {
                    // Events may still be on their way; only a scan can say it is idle.
                    try? queue.rescan()
                    if !queue.hasWork() {
                        noteLeftWaiting()
                        break
                    }
                }
            }
            if !draining { systemd.stopping() }
            continuation.finish()
        }
    }

    /// `--until-idle` stops for jobs due beyond the horizon: say so, or the
    /// exit reads as if new/ were empty.
    private func noteLeftWaiting() {
        let left = queue.leftForOthers
        if !left.isEmpty {
            logger.notice(
                "idle; leaving jobs for engines this supervisor does not run (--engines-only) in new/",
                metadata: ["left": "\(left.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))"])
        }
        guard let due = queue.nextDue else { return }
        logger.notice(
            "idle; leaving jobs that are not due yet in new/",
            metadata: [
                "waiting": "\(queue.count)", "next_due": "\(Timestamp.string(due))",
                "horizon_s": "\(Int(PendingQueue.idleHorizon))",
            ])
    }

    private func handle(_ event: Event, group: inout TaskGroup<Void>) {
        switch event {
        case .watch(.overflow):
            try? queue.rescan()
        case .watch(let change):
            queue.handle(change)
        case .cancelRequested(let name):
            processCancelRequest(name)
        case .tick:
            housekeeping()
        case .finished(let id, let outcome):
            running[id] = nil
            tokens[id] = nil
            cancellations.forget(id)
            // Queue a retry now; its inotify event may come after an idle check.
            if case .requeued(let entry) = outcome { queue.handle(.arrived(entry)) }
        case .shutdown:
            guard !draining else { return }
            draining = true
            systemd.stopping()
            logger.info("shutting down", metadata: ["running": "\(running.count)", "grace_s": "\(config.shutdownGraceSeconds)"])
        case .graceExpired:
            // The service group's grace period is over (it cancelled the supervisor).
            if !draining { systemd.stopping() }
            draining = true
            logger.warning("grace period over; returning running jobs to new/", metadata: ["running": "\(running.count)"])
            group.cancelAll()
        }
    }

    private func claimWhilePossible(group: inout TaskGroup<Void>) {
        while !draining && running.count < config.concurrency, let submission = queue.next() {
            let claimed: ClaimedJob?
            do {
                claimed = try spool.claim(submission)
            } catch {
                logger.error("cannot claim", metadata: ["entry": "\(submission.entryName)", "error": "\(error)"])
                continue
            }
            guard let claimed else { continue }  // another supervisor was first
            let runner = runner
            let job = Task { await runner.run(claimed) }
            running[claimed.id] = job
            tokens[claimed.id] = claimed.token
            let continuation = continuation
            group.addTask {
                // Shutdown cancels the group; a cancel request cancels just this job.
                let outcome = await withTaskCancellationHandler { await job.value } onCancel: { job.cancel() }
                continuation.yield(.finished(claimed.id, outcome))
            }
        }
    }

    /// The safety-net scans, heartbeats, engine pings and orphan recovery,
    /// each on its own period.
    private func housekeeping() {
        let now = ContinuousClock.now
        if let interval = systemd.watchdogInterval, now - lastWatchdog >= interval {
            systemd.watchdog()
            lastWatchdog = now
        }
        // Entries still being written are looked at again by their own
        // deadlines; new/ itself is listed only by the safety-net rescan.
        if queue.waitingCount > 0 { queue.recheckSettling() }
        if now - last.rescan >= .seconds(config.rescanIntervalSeconds) {
            try? queue.rescan()
            last.rescan = now
        }
        queue.promoteDue()
        if now - last.heartbeat >= .seconds(config.heartbeatSeconds) {
            for (id, token) in tokens { spool.heartbeat(id, token: token) }
            last.heartbeat = now
        }
        if now - last.ping >= .seconds(config.enginePingSeconds) {
            last.ping = now
            let pool = runner.pool
            Task { await pool.pingIdle() }
        }
        if now - last.evict >= .seconds(0.5) {
            // Instances idle past their keep-alive go, and free their GPU slots.
            last.evict = now
            let pool = runner.pool
            Task { await pool.evictIdle() }
        }
        if now - last.recovery >= .seconds(recovery.period) {
            for entry in recovery.recover() { queue.handle(.arrived(entry)) }
            last.recovery = now
        }
        if now - last.cancelScan >= .seconds(config.rescanIntervalSeconds) {
            processCancelRequests()
            last.cancelScan = now
        }
    }

    // MARK: Cancellation

    private func processCancelRequests() {
        for name in (try? FileSystem.list(spool.cancel)) ?? [] where !name.hasPrefix(".") {
            processCancelRequest(name)
        }
    }

    /// `cancel/<id>`: a pending job is failed without running; a job running
    /// here is stopped (its engine gets `cancel`) and failed; a job running
    /// elsewhere is left to its own supervisor, which watches `cancel/` too.
    private func processCancelRequest(_ id: String) {
        let request = spool.cancel + "/" + id
        guard FileSystem.exists(request) else { return }
        if let job = running[id] {
            logger.info("cancelling", metadata: ["job": "\(id)"])
            cancellations.request(id)
            job.cancel()
            unlink(request)
            return
        }
        switch spool.locate(id) {
        case .new?:
            do {
                if try spool.cancelPending(id, durable: config.durable) {
                    if let webhooks = runner.webhooks {
                        WebhookOutbox.jobCancelledBeforeRunning(id, in: spool, settings: webhooks.settings, limits: config.limits)
                    }
                    runner.monitor?.finished.add(.failed)
                    logger.info("cancelled before it ran", metadata: ["job": "\(id)"])
                }
                unlink(request)
            } catch {
                logger.error("cannot cancel the pending job", metadata: ["job": "\(id)", "error": "\(error)"])
            }
        case .cur?:
            // Running under another supervisor; an unowned one is left to orphan recovery.
            break
        case .done?, .failed?, nil:
            unlink(request)  // nothing to cancel (any more)
        }
    }
}
