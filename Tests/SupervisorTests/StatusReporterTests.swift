import AudioSpoolTestKit
import Basics
import Foundation
import Spool
@testable import Supervisor
import Testing

/// status.json is first written once the attempt has run the throttle's
/// interval (SPOOL.md), then on every change of state: a job done sooner
/// writes none. Its `eta_s` is measured from the engine's first progress
/// report, so time before it (an engine starting, a model loading) does not
/// stretch the estimate.
@Suite struct StatusReporterTests {
    static func reporter(in directory: TemporaryDirectory, interval: Duration) -> (StatusReporter, JobFolder) {
        let folder = JobFolder(path: directory.path)
        let status = JobStatus(id: "job", state: .starting, engine: "tone", attempt: 1, startedAt: Timestamp.now())
        return (StatusReporter(folder: folder, status: status, interval: interval), folder)
    }

    static func state(_ folder: JobFolder) -> String? {
        folder.read(JobStatus.self, from: folder.statusFile)?.state.rawValue
    }

    @Test func changesOfStateBeforeTheIntervalWriteNothing() {
        let directory = TemporaryDirectory()
        let (reporter, folder) = Self.reporter(in: directory, interval: .seconds(3600))
        reporter.update { $0.state = .running }
        reporter.update { $0.progress = 0.5 }
        reporter.update { $0.state = .encoding; $0.progress = 1 }
        #expect(!FileManager.default.fileExists(atPath: folder.statusFile))
        reporter.finish()
    }

    @Test func theFirstWriteShowsTheStateByThenAndLaterChangesFollowAtOnce() async throws {
        let directory = TemporaryDirectory()
        let (reporter, folder) = Self.reporter(in: directory, interval: .milliseconds(50))
        reporter.update { $0.state = .running; $0.progress = 0.3 }
        try await waitUntil("status.json is written") { Self.state(folder) != nil }
        let first = try #require(folder.read(JobStatus.self, from: folder.statusFile))
        #expect(first.state == .running && first.progress == 0.3)
        reporter.update { $0.state = .encoding }
        #expect(Self.state(folder) == "encoding", "a change of state is written at once")
        reporter.finish()
    }

    @Test func aFinishedReporterNeverWrites() async throws {
        let directory = TemporaryDirectory()
        let (reporter, folder) = Self.reporter(in: directory, interval: .milliseconds(20))
        reporter.update { $0.state = .running }
        reporter.finish()
        // Past the interval many times over: a write would have happened.
        try await Task.sleep(for: .milliseconds(400))
        reporter.update { $0.state = .encoding }
        #expect(!FileManager.default.fileExists(atPath: folder.statusFile))
    }

    @Test func theETAIsAtThePaceSinceTheFirstProgress() throws {
        // 20 s of start-up, then 10% at the first report, 20% five seconds later:
        // 2% a second, so 80% takes 40 s. From the job's start it would read 100 s.
        let eta = try #require(StatusReporter.eta(progress: 0.2, elapsed: .seconds(25), since: (progress: 0.1, elapsed: .seconds(5))))
        #expect(abs(eta - 40) < 0.01, "\(eta)")
        #expect(StatusReporter.eta(progress: 0.2, elapsed: .seconds(25)) == 100)
    }

    @Test func beforeProgressHasMovedItFallsBackToTheWholeJob() {
        #expect(StatusReporter.eta(progress: 0.1, elapsed: .seconds(10), since: (progress: 0.1, elapsed: .seconds(0))) == 90)
        #expect(StatusReporter.eta(progress: 0, elapsed: .seconds(10)) == nil)
        #expect(StatusReporter.eta(progress: 1, elapsed: .seconds(10)) == 0)
    }
}
