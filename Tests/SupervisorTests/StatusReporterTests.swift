import Foundation
import Testing

@testable import Supervisor

/// status.json's `eta_s`: the pace is measured from the engine's first
/// progress report, so time spent before it (an engine starting, a model
/// loading) does not stretch the estimate.
@Suite struct StatusReporterTests {
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
