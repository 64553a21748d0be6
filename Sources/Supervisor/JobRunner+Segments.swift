import Basics
import AudioCodec
import EngineHost
import EngineProtocol
import Foundation
import Logging
import Spool
import Synchronization

extension JobRunner {
    /// Speaks a long text as segments: split (TextSegmenter), run on as
    /// many engine instances as may run at once, kept one by one in
    /// `cur/<id>/segments/`, and stitched in order with pauses.
    ///
    /// The plan (the split) is written first and reused by every later
    /// attempt, and a finished segment is never redone: after a crash or a
    /// failed segment, the next attempt synthesises only what is missing.
    func runSegments(
        _ job: PreparedJob, text: String, segmentation: EngineManifest.Segmentation, params: RunParams,
        reporter: StatusReporter, logger: Logger
    ) async throws(JobError) -> EngineRun {
        let plan = try loadOrMakePlan(job, text: text, segmentation: segmentation)
        let paths = plan.segments.indices.map { "segments/" + SegmentPlan.fileName($0) }
        let segments = try? job.folder.directory()
        let missing = plan.segments.indices.filter { segments?.info(paths[$0])?.type != .regular }
        let progress = SegmentProgress(total: plan.segments.count, done: plan.segments.count - missing.count)
        reporter.update(force: true) { status in
            status.segmentsTotal = progress.total
            status.segmentsDone = progress.total - missing.count
        }
        if missing.count < plan.segments.count {
            logger.info("resuming", metadata: ["segments_done": "\(plan.segments.count - missing.count)", "segments_total": "\(plan.segments.count)"])
        }
        let window = max(1, await pool.limit(for: job.manifest))
        let made: (EngineInfo, RunDevice)?
        do {
            // At most `window` segments at once, taken in order, so audio
            // is finished roughly front to back. A fresh job's first segment
            // runs alone: beside a second one it shared the cores and was
            // ready 40 % later, and it is what a streamed answer waits for.
            let firstAlone = missing.first == 0 && missing.count > 1
            made = try await withThrowingTaskGroup(of: (EngineInfo, RunDevice).self) { group in
                var pending = missing.makeIterator()
                var running = 0
                var finishedAny = false
                var last: (EngineInfo, RunDevice)?
                while true {
                    while running < (firstAlone && !finishedAny ? 1 : window), let index = pending.next() {
                        running += 1
                        group.addTask {
                            try await synthesize(index, of: plan, job: job, params: params, to: paths[index], reporter: reporter, progress: progress)
                        }
                    }
                    guard running > 0, let finished = try await group.next() else { break }
                    last = finished
                    finishedAny = true
                    running -= 1
                }
                return last
            }
        } catch let error as JobError {
            throw error
        } catch {
            throw JobError(.internal, "\(error)")
        }
        let (engine, device) = if let made { made } else { try await engineOfFinishedJob(job) }
        let pauses = plan.pauses(for: job.spec.pauses, defaults: segmentation)
        let audio = EngineAudio(name: "output", description: "\(paths.count) segments") { () throws(AudioError) in
            let folder = job.folder
            return try StitchedSource(segments: paths, gaps: pauses) { (name: String) throws(AudioError) in try Self.openAudio(name, in: folder) }
        }
        return EngineRun(audio: [audio], engine: engine, device: device)
    }

    /// One segment: an engine run in its own work folder, its WAV then
    /// renamed into `segments/` (so a segment file is always complete).
    private func synthesize(
        _ index: Int, of plan: SegmentPlan, job: PreparedJob, params: RunParams, to path: String, reporter: StatusReporter,
        progress: SegmentProgress
    ) async throws -> (EngineInfo, RunDevice) {
        let segmentFolder = String(format: "segment-%05d", index + 1)
        let work = params.workDir + "/" + segmentFolder
        let workName = String(work.dropFirst(job.folder.path.count + 1))
        try JobError.storage { () throws(FileSystemError) in try job.folder.directory().makeDirectories(workName) }
        var segmentParams = params
        segmentParams.text = plan.segments[index].text
        segmentParams.workDir = work
        let (outputs, engine, device, _, _) = try await runOnEngine(job, params: segmentParams, reporter: reporter) { update in
            let (fraction, done) = progress.update(index, fraction: update.progress)
            reporter.update { $0.progress = fraction; $0.segmentsDone = done }
        }
        guard outputs.count == 1 else {
            throw JobError(.internal, "engine \(job.manifest.name) returned \(outputs.count) outputs for one segment; a segmented task returns one")
        }
        let file = try resolveOutput(outputs[0], work: work, folder: job.folder, engine: job.manifest.name)
        try JobError.storage { () throws(FileSystemError) in
            let directory = try job.folder.directory()
            // A kept segment is believed by later attempts: its data first.
            if config.durable { try directory.syncFile(file) }
            try directory.rename(file, to: path)
            try directory.remove(workName)
        }
        let (fraction, done) = progress.finish(index)
        reporter.update { $0.progress = fraction; $0.segmentsDone = done }
        return (engine, device)
    }

    /// Every segment was made by an earlier attempt: the engine still has
    /// to be named in result.json, so ask the pool for one.
    private func engineOfFinishedJob(_ job: PreparedJob) async throws(JobError) -> (EngineInfo, RunDevice) {
        do {
            let lease = try await pool.acquire(job.manifest.name, job: job.id, cpuBecause: job.cpuBecause)
            await pool.release(lease)
            return (lease.info, RunDevice(name: lease.process.device.description, fallbackReason: lease.fallbackReason))
        } catch {
            throw JobError(error)
        }
    }

    private func loadOrMakePlan(_ job: PreparedJob, text: String, segmentation: EngineManifest.Segmentation) throws(JobError) -> SegmentPlan {
        // segments/ here is our own: Spool.admit removed any other.
        let file = "segments/" + SegmentPlan.planFile
        if let plan = job.folder.read(SegmentPlan.self, from: file), !plan.segments.isEmpty {
            return plan
        }
        let segments = TextSegmenter(maxCharacters: segmentation.maxCharacters).segments(text)
        guard !segments.isEmpty else { throw JobError(.badInput, "the text has nothing to say") }
        let plan = SegmentPlan(segments: segments)
        try JobError.storage { () throws(FileSystemError) in
            let directory = try job.folder.directory()
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

/// `segments/plan.json`: how a job's text was split. Written once, so every
/// attempt works on the same segments.
struct SegmentPlan: Codable, Sendable {
    var segments: [TextSegmenter.Segment]

    static let planFile = "plan.json"

    static func fileName(_ index: Int) -> String {
        String(format: "%05d.wav", index + 1)
    }

    /// Seconds of silence after each segment.
    func pauses(for job: JobSpec.Pauses?, defaults: EngineManifest.Segmentation) -> [Double] {
        let sentence = Double(job?.sentenceMilliseconds ?? defaults.sentencePauseMilliseconds) / 1000
        let paragraph = Double(job?.paragraphMilliseconds ?? defaults.paragraphPauseMilliseconds) / 1000
        return segments.map { segment in
            switch segment.end {
            case .clause: sentence / 2
            case .sentence: sentence
            case .paragraph: paragraph
            }
        }
    }
}

/// How far a segmented job is: finished segments, plus the fractions of
/// those in flight.
final class SegmentProgress: Sendable {
    let total: Int
    private let state: Mutex<(done: Int, inFlight: [Int: Double])>

    init(total: Int, done: Int) {
        self.total = total
        state = Mutex((done, [:]))
    }

    /// Returns the job's progress and finished count.
    func update(_ index: Int, fraction: Double) -> (Double, Int) {
        state.withLock { state in
            state.inFlight[index] = min(1, max(0, fraction))
            return (Self.fraction(state, total), state.done)
        }
    }

    func finish(_ index: Int) -> (Double, Int) {
        state.withLock { state in
            state.inFlight[index] = nil
            state.done += 1
            return (Self.fraction(state, total), state.done)
        }
    }

    private static func fraction(_ state: (done: Int, inFlight: [Int: Double]), _ total: Int) -> Double {
        min(1, (Double(state.done) + state.inFlight.values.reduce(0, +)) / Double(max(1, total)))
    }
}
