import AudioCodec
import Basics
import EngineHost
import EngineProtocol
import Foundation
import Logging
import Spool
import Webhooks

/// Takes one claimed job from `cur/` to `done/`, `failed/` or back to
/// `new/` for another attempt. Every way out is a single rename of the whole
/// job folder, so a job is never in two places and never half-published.
struct JobRunner: Sendable {
    let spool: Spool
    let config: SpoolConfig
    let pool: EnginePool
    let cancellations: Cancellations
    let logger: Logger
    /// Metrics and supervisor.json; nil where nobody watches (tests).
    var monitor: Monitor? = nil
    /// Sends jobs' webhooks; nil where none are sent (tests).
    var webhooks: WebhookSender? = nil
    /// `--engines-only`: the engines this supervisor takes jobs for; nil: all.
    var enginesOnly: EngineFilter? = nil

    enum Outcome: Sendable, Equatable {
        case done, failed
        /// Back in `new/` under this name, for another attempt.
        case requeued(String)
        /// Left in `cur/` because it could not be moved (recovery will).
        case stranded
    }

    func run(_ claimed: ClaimedJob) async -> Outcome {
        if let returned = returnIfForOthers(claimed) { return returned }
        var attempt = Attempt(claimed, logger: logger)
        var carried: CarriedRecord
        do {
            // What the submitter planted under the supervisor's names goes
            // first; only attempts and segments of our own making remain.
            carried = try spool.admit(claimed)
        } catch {
            attempt.history = attempt.record(after: [])
            return conclude(attempt, error: JobError(storage: error), job: nil)
        }
        do {
            attempt.history = attempt.record(after: carried.attempts)
            carried.attempts = attempt.history
            // Attempt first: if we die before owner.json exists, recovery
            // still counts this attempt.
            try spool.save(carried, for: attempt.folder, durable: config.durable)
            try attempt.folder.write(
                Owner.current(claimedAt: Timestamp.string(attempt.claimedAt), token: claimed.token), to: attempt.folder.ownerFile)
        } catch {
            // Without owner.json the job is not ours to conclude, and a disk
            // that refused it would refuse error.json too: say why, and leave
            // it to orphan recovery, which puts unowned jobs back in new/.
            attempt.logger.error(
                "cannot take the job: its files cannot be written; orphan recovery will put it back in new/",
                metadata: ["error": "\(error)"])
            return .stranded
        }
        noteClaimed(attempt.id, attempt: attempt.number, at: attempt.claimedAt)

        var job: PreparedJob
        do {
            job = try PreparedJob.prepare(claimed, folder: attempt.folder, config: config, registry: await pool.registry)
        } catch {
            return conclude(attempt, error: error, job: nil)
        }
        attempt.logger[metadataKey: "engine"] = "\(job.manifest.name)"
        // A webhook the allow-list refuses fails the job before it runs:
        // its submitter would otherwise wait for a call that never comes.
        if let refusal = webhooks?.refusal(job.spec.webhook) {
            return conclude(attempt, error: JobError(.badInput, refusal), job: job)
        }
        let earlier = attempt.history.dropLast()
        if job.manifest.device == .gpuPreferred, earlier.last?.error?.kind == .oom {
            job.cpuBecause = "the previous attempt ran out of GPU memory"
        }
        if attempt.number > job.maxAttempts {
            // Only an orphan, recovered after its last attempt, gets here.
            let last = earlier.last?.error?.message ?? "the supervisor running it died"
            let error = JobError(.engineCrashed, "gave up after \(attempt.number - 1) attempts; the last ended: \(last)")
            return conclude(attempt, error: error, job: job)
        }
        attempt.logger.info("running", metadata: ["attempt": "\(attempt.number)", "task": "\(job.task)"])
        do throws(JobError) {
            let key = try cacheKey(job)
            // One job per key runs at a time; an identical one waits and
            // then takes its result.
            if let key { try await holdKey(key, for: attempt.id) }
            defer { if let key { releaseKey(key, for: attempt.id) } }
            var result: JobResult
            if let key, let cached = cachedResult(job, key: key, attempt: attempt) {
                result = cached
            } else {
                result = try await job.lines.isEmpty ? execute(job, attempt: attempt) : executeEpisode(job, attempt: attempt)
                result.idempotencyKey = key
            }
            if cancellations.isRequested(attempt.id) {
                // Cancelled after the engine was done: the result goes too,
                // if the folder is still ours to touch.
                guard stillOwned(attempt) else { return lostOwnership(attempt) }
                for output in result.outputs { try? attempt.folder.remove(output.path) }
                throw JobError(.cancelled, "cancelled by request")
            }
            // publish reads the token again (takeForFinishing), so a claim
            // that was taken over stops there.
            guard let finalID = try publish(result, job: job, attempt: attempt) else { return lostOwnership(attempt) }
            if let key, result.cached != true { remember(key, id: finalID, outputs: result.outputs) }
            noteDone(result, finalID: finalID, engine: job.manifest.name)
            webhooks?.jobEnded(finalID, event: .done, webhook: job.spec.webhook, document: result)
            attempt.logger.info("done", metadata: ["seconds": "\(result.timings.totalSeconds)"])
            return .done
        } catch {
            return conclude(attempt, error: error, job: job)
        }
    }

    /// Runs the engine (once, or once per segment) and encodes what it
    /// made into the job folder.
    /// status.json's writer for this attempt.
    func makeReporter(_ job: PreparedJob, attempt: Attempt) -> StatusReporter {
        let number = attempt.number
        let (spool, id, token) = (spool, attempt.id, attempt.claimed.token)
        return StatusReporter(
            folder: job.folder,
            status: JobStatus(id: job.id, state: .starting, engine: job.manifest.name, attempt: number, startedAt: Timestamp.string(attempt.claimedAt)),
            owned: { spool.holds(id, token: token) }
        ) { [self] progress in
            noteProgress(job.id, engine: job.manifest.name, attempt: number, progress: progress)
        }
    }

    private func execute(_ job: PreparedJob, attempt: Attempt) async throws(JobError) -> JobResult {
        let number = attempt.number
        let reporter = makeReporter(job, attempt: attempt)
        // status.json appears once the attempt has run a quarter second.
        defer { reporter.finish() }
        // Inputs are decoded before an engine is taken, so a bad one fails
        // the job without holding an instance.
        let work = try prepareWorkDirectory(for: attempt)
        let params = RunParams(
            jobID: job.id, task: job.task, text: job.text, params: job.spec.params,
            inputs: try engineInputs(job, work: work), workDir: work, attempt: number)

        let engineStart = ContinuousClock.now
        let produced: EngineRun
        if let segmentation = job.manifest.tasks[job.task]?.segmentation, let text = job.text {
            produced = try await runSegments(job, text: text, segmentation: segmentation, params: params, reporter: reporter, logger: attempt.logger)
        } else {
            produced = try await runOnce(job, params: params, reporter: reporter)
        }
        try Task.checkCancellation(or: JobError(.cancelled, "interrupted"))
        let engineSeconds = ContinuousClock.now - engineStart

        reporter.update { $0.state = .encoding; $0.progress = 1 }
        // The outputs go into the job folder: only while it is still ours.
        guard stillOwned(attempt) else { throw JobError(.internal, "the job was recovered by another supervisor while it ran here") }
        let encodeStart = ContinuousClock.now
        var encoder = try OutputEncoder(folder: job.folder, outputs: job.outputs)
        encoder.coverArt = job.coverArt
        let encoded = try encoder.encode(produced.audio)
        let finished = Date()
        let timings = JobResult.Timings(
            claimedAt: Timestamp.string(attempt.claimedAt), finishedAt: Timestamp.string(finished),
            engineSeconds: engineSeconds.seconds, encodeSeconds: (ContinuousClock.now - encodeStart).seconds,
            totalSeconds: finished.timeIntervalSince(attempt.claimedAt).rounded(toPlaces: 4))
        // The manifest's name and version, not the handshake's: the version
        // is part of the cache key, computed before any engine runs, and a
        // result handed on from the cache must name the same one.
        return JobResult(
            id: job.id, engine: .init(name: job.manifest.name, version: job.manifest.version), task: job.task,
            device: produced.device.name, fallbackReason: produced.device.fallbackReason, attempts: number, timings: timings,
            outputs: encoded, metadata: job.spec.metadata, details: produced.details)
    }

    /// One `run` for the whole job.
    private func runOnce(_ job: PreparedJob, params: RunParams, reporter: StatusReporter) async throws(JobError) -> EngineRun {
        let (outputs, engine, device, details, _) = try await runOnEngine(job, params: params, reporter: reporter, progress: reporter.progress)
        guard !outputs.isEmpty else { throw JobError(.internal, "engine \(job.manifest.name) returned no outputs") }
        var audio: [EngineAudio] = []
        for output in outputs {
            let name = try resolveOutput(output, work: params.workDir, folder: job.folder, engine: job.manifest.name)
            let folder = job.folder
            audio.append(EngineAudio(name: output.name, description: output.path, file: name) { () throws(AudioError) in try Self.openAudio(name, in: folder) })
        }
        return EngineRun(audio: audio, engine: engine, device: device, details: details)
    }

    /// A `run` on an instance of the job's engine, holding it only for the run.
    func runOnEngine(
        _ job: PreparedJob, engine: EngineManifest? = nil, params: RunParams, reporter: StatusReporter,
        progress: @escaping @Sendable (ProgressParams) -> Void
    ) async throws(JobError) -> (outputs: [OutputFile], engine: EngineInfo, device: RunDevice, details: [String: JSONValue]?, words: [WordTiming]?) {
        let lease: EngineLease
        do {
            // A script's line names its own engine; it runs where the pool places it.
            let manifest = engine ?? job.manifest
            lease = try await pool.acquire(manifest.name, job: job.id, cpuBecause: engine == nil ? job.cpuBecause : nil)
        } catch {
            throw JobError(error)
        }
        let device = RunDevice(name: lease.process.device.description, fallbackReason: lease.fallbackReason)
        reporter.update { status in
            status.state = .running
            status.device = device.name
            // Each run sets it afresh: a script's next line may run where its engine prefers.
            status.fallbackReason = device.fallbackReason
        }
        do {
            let result = try await lease.process.run(params, progress: progress)
            await pool.release(lease)
            return (result.outputs, lease.info, device, result.details, result.words)
        } catch {
            // A crash or timeout counts against the engine; a bad job does
            // not. Out of memory restarts the instance: only a new process
            // surely gives its GPU memory back.
            await pool.release(lease, succeeded: ![.engineCrashed, .timeout].contains(error.kind), restart: error.kind == .oom)
            throw JobError(error)
        }
    }

    /// Whether this claim still owns the job: owner.json in `cur/<id>`
    /// holds its token. A supervisor that stalled past the orphan TTL may
    /// find its job recovered and claimed again elsewhere; it must then
    /// leave the folder alone, or the job would have two results.
    func stillOwned(_ attempt: Attempt) -> Bool {
        spool.holds(attempt.id, token: attempt.claimed.token)
    }

    func lostOwnership(_ attempt: Attempt) -> Outcome {
        let folder = attempt.folder
        let logger = attempt.logger
        if let owner = folder.read(Owner.self, from: folder.ownerFile) {
            logger.error(
                "lost the job to orphan recovery while running it; leaving it to its new owner",
                metadata: ["owner": "pid \(owner.pid) on \(owner.host)"])
        } else if !FileSystem.isDirectory(folder.path) {
            logger.error("lost the job to orphan recovery while running it: it is back in new/")
        } else {
            // Not recovery's doing: recovery moves a job out before anyone owns it again.
            logger.error("the job's owner.json is gone or unreadable; leaving the job where it is", metadata: ["file": "\(folder.ownerFile)"])
        }
        return .stranded
    }

    /// A clean work folder for this attempt, `work/attempt-N`; the engine
    /// may write only here. Each attempt has its own, so an engine of a
    /// supervisor that lost the job can never write into its successor's.
    func prepareWorkDirectory(for attempt: Attempt) throws(JobError) -> String {
        let folder = attempt.folder
        let work = "work/attempt-\(attempt.number)"
        try JobError.storage { () throws(FileSystemError) in
            let directory = try folder.directory()
            try directory.remove("work")
            try directory.makeDirectories(work)
        }
        return folder.path + "/" + work
    }

    /// Takes the folder to this claim's private name (fencing), writes
    /// result.json there, tidies it, and moves it to `done/`; returns the
    /// id it has there, or nil if the job is no longer this claim's. With
    /// `durable` result.json and the outputs are synced, then the folder,
    /// before the rename, and `done/` after it: a result in `done/` never
    /// names missing data.
    private func publish(_ result: JobResult, job: PreparedJob, attempt: Attempt) throws(JobError) -> String? {
        guard let folder = spool.takeForFinishing(job.id, token: attempt.claimed.token) else { return nil }
        let durable = config.durable
        return try JobError.storage { () throws(FileSystemError) in
            try folder.write(result, to: folder.resultFile, durable: durable)
            try tidy(folder, keepAttempts: false)
            // The outputs' data, then the folder's names (outputs, result.json).
            if durable { try folder.sync(files: result.outputs.map(\.path) + (result.subtitles ?? []).map(\.path)) }
            spool.forgetCarried(folder)
            return try spool.move(folder.path, into: .done, preferring: job.id, durable: durable)
        }
    }
}
