import AudioCodec
import Basics
import EngineHost
import EngineProtocol
import Foundation
import Logging
import Spool
import Synchronization

extension JobRunner {
    /// A script or chapters job: every line split into segments (one plan,
    /// kept in `segments/` across attempts), all segments of all lines run
    /// together, each engine on as many instances as it may have, each
    /// segment retried alone; then stitched, encoded with chapter markers,
    /// cut per chapter, and subtitled from the stitched timeline.
    func executeEpisode(_ job: PreparedJob, attempt: Attempt) async throws(JobError) -> JobResult {
        let reporter = makeReporter(job, attempt: attempt)
        // The job leaves cur/ after this returns: no late first write.
        defer { reporter.finish() }
        let plan = try loadOrMakeEpisodePlan(job)
        let directory = try JobError.storage { () throws(FileSystemError) in try job.folder.directory() }
        let paths = plan.segments.indices.map { "segments/" + SegmentPlan.fileName($0) }
        let done = Set(plan.segments.indices.filter { directory.info(paths[$0])?.type == .regular })
        let progress = EpisodeProgress(plan: plan, done: done)
        reporter.update(force: true) { progress.apply(to: &$0) }
        if !done.isEmpty {
            attempt.logger.info("resuming", metadata: ["segments_done": "\(done.count)", "segments_total": "\(plan.segments.count)"])
        }
        let work = try prepareWorkDirectory(for: attempt)
        let engineStart = ContinuousClock.now
        let missing = plan.segments.indices.filter { !done.contains($0) }
        try await synthesizeEpisode(job, plan: plan, missing: missing, paths: paths, work: work, attempt: attempt, reporter: reporter, progress: progress)
        try Task.checkCancellation(or: JobError(.cancelled, "interrupted"))
        let engineSeconds = ContinuousClock.now - engineStart

        reporter.update { $0.state = .encoding; $0.progress = 1 }
        guard stillOwned(attempt) else { throw JobError(.internal, "the job was recovered by another supervisor while it ran here") }
        let encodeStart = ContinuousClock.now
        var result = try encodeEpisode(job, plan: plan, paths: paths, attempt: attempt)
        let finished = Date()
        result.timings = JobResult.Timings(
            claimedAt: Timestamp.string(attempt.claimedAt), finishedAt: Timestamp.string(finished),
            engineSeconds: engineSeconds.seconds, encodeSeconds: (ContinuousClock.now - encodeStart).seconds,
            totalSeconds: finished.timeIntervalSince(attempt.claimedAt).rounded(toPlaces: 4))
        return result
    }

    /// Runs the missing segments: for each engine, at most as many at once
    /// as it may have instances, in order, so every engine works at the
    /// same time. A segment whose run fails is retried alone, up to the
    /// job's `max_attempts` runs; when one runs out, the others still
    /// running finish (and are kept), and the job fails naming its line.
    private func synthesizeEpisode(
        _ job: PreparedJob, plan: EpisodePlan, missing: [Int], paths: [String], work: String, attempt: Attempt,
        reporter: StatusReporter, progress: EpisodeProgress
    ) async throws(JobError) {
        guard !missing.isEmpty else { return }
        var lineInputs: [Int: [String: String]] = [:]
        for line in Set(missing.map { plan.segments[$0].line }).sorted() where !job.lines[line].inputs.isEmpty {
            var lineJob = job
            lineJob.manifest = job.lines[line].manifest
            lineJob.inputs = job.lines[line].inputs
            lineInputs[line] = try engineInputs(lineJob, work: work + String(format: "/line-%05d", line + 1))
        }
        var queued: [String: [Int]] = [:]
        var limits: [String: Int] = [:]
        for index in missing {
            let manifest = job.lines[plan.segments[index].line].manifest
            queued[manifest.name, default: []].append(index)
            if limits[manifest.name] == nil { limits[manifest.name] = max(1, await pool.limit(for: manifest)) }
        }
        let recorder = LineRecorder(folder: job.folder)
        let (inputsByLine, windows, firstQueues) = (lineInputs, limits, queued)
        let failure: (Int, JobError)? = await withTaskGroup(of: (Int, JobError?).self) { group in
            var queues = firstQueues
            var running: [String: Int] = [:]
            var failure: (Int, JobError)?
            func launch() {
                guard failure == nil else { return }
                for engine in queues.keys.sorted() {
                    while running[engine, default: 0] < windows[engine]!, let index = queues[engine]?.first {
                        queues[engine]!.removeFirst()
                        running[engine, default: 0] += 1
                        let line = plan.segments[index].line
                        group.addTask {
                            let error = await synthesizeWithRetries(
                                index, plan: plan, job: job, inputs: inputsByLine[line] ?? [:], to: paths[index], work: work,
                                attempt: attempt, reporter: reporter, progress: progress, recorder: recorder)
                            return (index, error)
                        }
                    }
                }
            }
            launch()
            while let finished = await group.next() {
                let (index, error) = finished
                running[job.lines[plan.segments[index].line].manifest.name]! -= 1
                if let error, failure == nil { failure = (index, error) }
                launch()
            }
            return failure
        }
        guard let failed = failure else { return }
        let (index, error) = failed
        let kept = plan.segments.indices.filter { (try? job.folder.directory())?.info(paths[$0])?.type == .regular }.count
        throw lineFailure(error, segment: index, plan: plan, job: job, kept: kept)
    }

    /// One segment, run again after a failure its engine may not repeat
    /// (a crash, a timeout, a transient error), up to `max_attempts` runs.
    /// Returns nil when it is kept, else the last error.
    private func synthesizeWithRetries(
        _ index: Int, plan: EpisodePlan, job: PreparedJob, inputs: [String: String], to path: String, work: String,
        attempt: Attempt, reporter: StatusReporter, progress: EpisodeProgress, recorder: LineRecorder
    ) async -> JobError? {
        let line = job.lines[plan.segments[index].line]
        var tries = 0
        while true {
            tries += 1
            progress.set(index, .running)
            reporter.update { progress.apply(to: &$0) }
            do {
                let made = try await synthesizeSegment(
                    index, text: plan.segments[index].text, line: line, job: job, inputs: inputs, to: path, work: work,
                    attempt: attempt, reporter: reporter, progress: progress)
                recorder.record(plan.segments[index].line, made)
                progress.set(index, .done)
                reporter.update { progress.apply(to: &$0) }
                return nil
            } catch {
                progress.set(index, .failed)
                reporter.update { progress.apply(to: &$0) }
                guard error.kind.isRetryable, tries < job.maxAttempts, !Task.isCancelled else {
                    var error = error
                    error.exhausted = error.kind.isRetryable
                    if error.exhausted { error.message = "after \(tries) run\(tries == 1 ? "" : "s"): \(error.message)" }
                    return error
                }
                attempt.logger.warning(
                    "segment failed; running it again",
                    metadata: ["segment": "\(index + 1)", "line": "\(line.field)", "run": "\(tries)", "error": "\(error.message)"])
            }
        }
    }

    /// One run of one segment in its own work folder; its WAV is renamed
    /// into `segments/` (so a kept segment is always complete), after the
    /// words its engine timed (SegmentWords).
    private func synthesizeSegment(
        _ index: Int, text: String, line: PreparedLine, job: PreparedJob, inputs: [String: String], to path: String, work: String,
        attempt: Attempt, reporter: StatusReporter, progress: EpisodeProgress
    ) async throws(JobError) -> (EngineInfo, RunDevice) {
        let segmentWork = work + String(format: "/segment-%05d", index + 1)
        let workName = String(segmentWork.dropFirst(job.folder.path.count + 1))
        try JobError.storage { () throws(FileSystemError) in
            let directory = try job.folder.directory()
            try directory.remove(workName)  // an earlier run's leftovers
            try directory.makeDirectories(workName)
        }
        let params = RunParams(
            jobID: job.id, task: line.task, text: text, params: line.params, inputs: inputs, workDir: segmentWork, attempt: attempt.number)
        let (outputs, engine, device, _, words) = try await runOnEngine(job, engine: line.manifest, params: params, reporter: reporter) { update in
            progress.update(index, fraction: update.progress)
            reporter.update { progress.apply(to: &$0) }
        }
        guard outputs.count == 1 else {
            throw JobError(.internal, "engine \(line.manifest.name) returned \(outputs.count) outputs for one segment; a segment has one")
        }
        let file = try resolveOutput(outputs[0], work: segmentWork, folder: job.folder, engine: line.manifest.name)
        // Only subtitles read them; they are kept, like the WAV, for a later attempt.
        if !job.spec.subtitles.isEmpty { try SegmentWords.keep(words, segment: index, in: job.folder, durable: config.durable) }
        try JobError.storage { () throws(FileSystemError) in
            let directory = try job.folder.directory()
            if config.durable { try directory.syncFile(file) }
            try directory.rename(file, to: path)
            try directory.remove(workName)
        }
        return (engine, device)
    }

    /// The error of a segment that failed for good, naming its line.
    private func lineFailure(_ error: JobError, segment: Int, plan: EpisodePlan, job: PreparedJob, kept: Int) -> JobError {
        let line = job.lines[plan.segments[segment].line]
        var failed = error
        failed.message = "\(line.place(in: job.spec)) (\(line.field), engine \(line.manifest.name)) failed: \(error.message)"
        failed.line = JobFailure.FailedLine(
            chapter: line.chapter.map { $0 + 1 }, chapterTitle: line.chapter.flatMap { job.spec.chapters?[$0].title },
            line: line.number, field: line.field, engine: line.manifest.name, segment: segment + 1,
            text: plan.segments[segment].shown, segmentsKept: kept)
        return failed
    }

    private func loadOrMakeEpisodePlan(_ job: PreparedJob) throws(JobError) -> EpisodePlan {
        // segments/ here is our own: Spool.admit removed any other.
        let file = "segments/" + SegmentPlan.planFile
        if let plan = job.folder.read(EpisodePlan.self, from: file), !plan.segments.isEmpty, plan.lines.count == job.lines.count {
            return plan
        }
        let settings = (try? config.section(LexiconSettings.self)) ?? LexiconSettings()
        var lexicons: [String: Lexicon] = [:]
        for language in Set(job.lines.map { $0.language(default: settings.defaultLanguage) }) {
            lexicons[language] = Lexicon(try settings.respellings(for: language, spool: spool.root)).merged(with: job.spec.lexicon)
        }
        let plan = EpisodePlan.make(job.lines, spec: job.spec) { lexicons[$0.language(default: settings.defaultLanguage)] ?? Lexicon([:]) }
        try JobError.storage { () throws(FileSystemError) in
            let directory = try job.folder.directory()
            try directory.remove("segments")
            try directory.makeDirectories("segments")
            // Recorded before anything is kept there, so the next attempt
            // knows this segments/ is ours.
            var carried = spool.carried(job.folder) ?? CarriedRecord(id: job.id)
            carried.segments = directory.info("segments")?.inode
            try spool.save(carried, for: job.folder, durable: config.durable)
            try job.folder.write(plan, to: file)
        }
        return plan
    }
}
