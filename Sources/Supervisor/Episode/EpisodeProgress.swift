import Spool
import Synchronization

/// Where each segment of a script or chapters job is (pending, running,
/// done, failed) and how far the running ones are: status.json's counts,
/// per chapter too, its progress and its "chapter 3 of 15".
final class EpisodeProgress: Sendable {
    enum State: Sendable { case pending, running, done, failed }

    private struct Segments {
        var states: [State]
        var fractions: [Int: Double] = [:]
    }

    private let chapters: [EpisodePlan.ChapterSpan]
    private let state: Mutex<Segments>

    init(plan: EpisodePlan, done: Set<Int>) {
        chapters = plan.chapters
        state = Mutex(Segments(states: plan.segments.indices.map { done.contains($0) ? .done : .pending }))
    }

    func set(_ index: Int, _ new: State) {
        state.withLock {
            $0.states[index] = new
            $0.fractions[index] = nil
        }
    }

    func update(_ index: Int, fraction: Double) {
        state.withLock { $0.fractions[index] = min(1, max(0, fraction)) }
    }

    /// Writes the counts, progress and message into `status`.
    func apply(to status: inout JobStatus) {
        let (states, fractions) = state.withLock { ($0.states, $0.fractions) }
        status.segments = Self.counts(states[...])
        status.segmentsTotal = states.count
        status.segmentsDone = status.segments?.done
        let finished = Double(status.segments?.done ?? 0) + fractions.values.reduce(0, +)
        status.progress = min(1, max(status.progress, finished / Double(max(1, states.count))))
        guard !chapters.isEmpty else { return }
        status.chapters = chapters.map { JobStatus.ChapterCounts(title: $0.title, segments: Self.counts(states[$0.range])) }
        // The first chapter not yet finished is the one being read.
        let current = chapters.firstIndex { states[$0.range].contains { $0 != .done } } ?? chapters.count - 1
        status.message = "chapter \(current + 1) of \(chapters.count)"
    }

    private static func counts(_ states: ArraySlice<State>) -> JobStatus.SegmentCounts {
        var counts = JobStatus.SegmentCounts()
        for state in states {
            switch state {
            case .pending: counts.pending += 1
            case .running: counts.running += 1
            case .done: counts.done += 1
            case .failed: counts.failed += 1
            }
        }
        return counts
    }
}
