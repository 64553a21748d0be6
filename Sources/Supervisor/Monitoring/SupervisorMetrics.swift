import EngineProtocol
import Foundation
import Prometheus
import Spool
import Synchronization

/// The supervisor's Prometheus metrics, written to `state/metrics.prom` for
/// node_exporter's textfile collector. swift-prometheus renders the text
/// format (no hand-written exposition); the registry is only ever emitted
/// to a file, so no scrape endpoint is opened.
///
/// Gauges about the spool (jobs per folder, the oldest pending job) are read
/// from the folders at each write, so they hold for the whole spool;
/// counters count what this supervisor did since it started.
final class SupervisorMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// Engine → (engine seconds, audio seconds), for the real-time factor.
    private let speed = Mutex<[String: (engine: Double, audio: Double)]>([:])
    /// Engine → the restarts already counted (the pool keeps a running total).
    private let restartsSeen = Mutex<[String: Int]>([:])

    static let durationBuckets: [Double] = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600]
    static let outcomes = ["done", "failed", "cancelled"]

    init(engines: [String], startedAt: Date) {
        gauge("supervisor_start_time", "seconds", "When this supervisor started, in seconds since the epoch.").set(startedAt.timeIntervalSince1970)
        // Known series start at zero, so rates work from the first scrape.
        for engine in engines {
            for outcome in Self.outcomes { finishedCounter(engine, outcome).increment(by: Int64(0)) }
            audioCounter(engine).increment(by: Int64(0))
            engineCounter(engine).increment(by: Int64(0))
            restartCounter(engine).increment(by: Int64(0))
            poisonCounter(engine).increment(by: Int64(0))
            for kind in ErrorKind.allCases where kind.isRetryable { retryCounter(engine, kind.rawValue).increment(by: Int64(0)) }
            _ = durationHistogram(engine)
        }
        setGPUSlots(leased: 0, free: 0)
    }

    // MARK: Recording

    func finished(engine: String, outcome: String, seconds: Double?) {
        finishedCounter(engine, outcome).increment()
        if let seconds { durationHistogram(engine).record(seconds) }
    }

    func produced(engine: String, audioSeconds: Double, engineSeconds: Double) {
        audioCounter(engine).increment(by: audioSeconds)
        engineCounter(engine).increment(by: engineSeconds)
        let totals = speed.withLock { speed in
            speed[engine, default: (0, 0)].engine += engineSeconds
            speed[engine, default: (0, 0)].audio += audioSeconds
            return speed[engine]!
        }
        if totals.audio > 0 {
            gauge("real_time_factor", nil, "Engine seconds per second of audio produced (below 1: faster than real time).", ["engine": engine])
                .set(totals.engine / totals.audio)
        }
    }

    func retried(engine: String, kind: String) {
        retryCounter(engine, kind).increment()
    }

    func poison(engine: String) {
        poisonCounter(engine).increment()
    }

    /// `totals`: the engine pool's running count of restarts per engine.
    func restarts(_ totals: [String: Int]) {
        let deltas = restartsSeen.withLock { seen in
            let deltas = totals.map { ($0.key, $0.value - seen[$0.key, default: 0]) }.filter { $0.1 > 0 }
            seen = totals
            return deltas
        }
        for (engine, delta) in deltas { restartCounter(engine).increment(by: Int64(delta)) }
    }

    func setGPUSlots(leased: Int, free: Int) {
        gauge("gpu_slots_leased", nil, "GPU slots held by running jobs.").set(Double(leased))
        gauge("gpu_slots_free", nil, "GPU slots free to lease.").set(Double(free))
    }

    /// The spool-wide gauges, from the folders as they are now.
    func observe(counts: [Spool.Folder: Int], oldestPendingAge: Double) {
        let states: [(Spool.Folder, String)] = [(.new, "pending"), (.cur, "running"), (.done, "done"), (.failed, "failed")]
        for (folder, state) in states {
            gauge("jobs", nil, "Jobs in the spool by state: pending (new/), running (cur/), done, failed.", ["state": state])
                .set(Double(counts[folder] ?? 0))
        }
        gauge("oldest_pending_job_age", "seconds", "Seconds the oldest job in new/ has waited (0 if none).").set(oldestPendingAge)
    }

    func render() -> [UInt8] {
        registry.emitToBuffer()
    }

    // MARK: The series

    private func finishedCounter(_ engine: String, _ outcome: String) -> Counter {
        counter("jobs_finished", "Jobs this supervisor finished, by engine and outcome.", ["engine": engine, "outcome": outcome])
    }

    private func audioCounter(_ engine: String) -> Counter {
        counter("audio_seconds", "Seconds of audio produced.", ["engine": engine])
    }

    private func engineCounter(_ engine: String) -> Counter {
        counter("engine_seconds", "Seconds engines spent running jobs.", ["engine": engine])
    }

    private func restartCounter(_ engine: String) -> Counter {
        counter("engine_restarts", "Engine instances that died or failed to start.", ["engine": engine])
    }

    private func poisonCounter(_ engine: String) -> Counter {
        counter("poison_jobs", "Jobs failed as poison: they killed their engine too often.", ["engine": engine])
    }

    private func retryCounter(_ engine: String, _ kind: String) -> Counter {
        counter("retries", "Attempts that failed and were retried, by error kind.", ["engine": engine, "kind": kind])
    }

    private func durationHistogram(_ engine: String) -> ValueHistogram {
        registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(namespace: "audiospool", metricName: "job_duration", unitName: "seconds", helpText: "Seconds from claim to done, of jobs done."),
            labels: [("engine", engine)], buckets: Self.durationBuckets)
    }

    private func counter(_ name: String, _ help: String, _ labels: KeyValuePairs<String, String>) -> Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "audiospool", metricName: name, unitName: "total", helpText: help),
            labels: labels.map { ($0.key, $0.value) })
    }

    private func gauge(_ name: String, _ unit: String?, _ help: String, _ labels: KeyValuePairs<String, String> = [:]) -> Gauge {
        let descriptor = unit.map { MetricNameDescriptor(namespace: "audiospool", metricName: name, unitName: $0, helpText: help) }
            ?? MetricNameDescriptor(namespace: "audiospool", metricName: name, unitName: "", helpText: help)
        return registry.makeGauge(descriptor: descriptor, labels: labels.map { ($0.key, $0.value) })
    }
}
