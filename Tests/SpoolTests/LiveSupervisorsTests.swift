import AudioSpoolTestKit
import Basics
import Foundation
import Spool
import Synchronization
import Testing

/// `Spool.liveSupervisors`: another host's heartbeat is never judged by our
/// clock alone, so a supervisor on a host whose clock is a minute off still
/// counts as running, and one that stopped beating does not.
@Suite struct LiveSupervisorsTests {
    let directory = TemporaryDirectory()
    let spool: Spool

    init() throws {
        spool = Spool(root: directory.path + "/spool")
        try spool.create()
    }

    /// Writes host's supervisor.json as its supervisor would, its clock `skew` seconds off ours.
    func beat(_ host: String, skew: TimeInterval) throws {
        var state = SupervisorState(version: "1", startedAt: Timestamp.string(Date().addingTimeInterval(skew)))
        state.host = host
        let folder = spool.state.host(host)
        try FileSystem.createDirectories(folder.path)
        try spool.state.write(state, to: folder.supervisorFile)
    }

    @Test func aBeatingSupervisorOnASkewedHostIsLive() throws {
        for skew in [-60.0, 60.0] {
            try beat("skewed", skew: skew)
            let stop = Atomic<Bool>(false)
            let writer = Thread { [self] in
                while !stop.load(ordering: .relaxed) {
                    Thread.sleep(forTimeInterval: 0.3)
                    try? beat("skewed", skew: skew)
                }
            }
            writer.start()
            defer { stop.store(true, ordering: .relaxed) }
            #expect(spool.liveSupervisors().map(\.host) == ["skewed"], "skew \(skew)")
            #expect(spool.waitingReason(engine: "tone") == nil, "skew \(skew)")
        }
    }

    @Test func aSilentSupervisorOnASkewedHostIsGone() throws {
        for skew in [-60.0, 60.0] {
            try beat("silent", skew: skew)
            let started = ContinuousClock.now
            #expect(spool.liveSupervisors(watch: .milliseconds(800)).isEmpty, "skew \(skew)")
            #expect(ContinuousClock.now - started >= .milliseconds(800), "it watched before judging")
            let live = spool.liveSupervisors(watch: .milliseconds(300))
            #expect(spool.waitingReason(engine: "tone", live: live) == "no supervisor is running")
        }
    }

    @Test func aHeartbeatThatAgreesWithOurClockIsTakenAtOnce() throws {
        try beat("agreeing", skew: 2)
        try beat("stale", skew: -40)
        let started = ContinuousClock.now
        // The stale one is watched; the agreeing one needs no wait, and is live whatever the watch finds.
        #expect(spool.liveSupervisors(watch: .milliseconds(200)).map(\.host) == ["agreeing"])
        #expect(ContinuousClock.now - started < .seconds(2))
    }
}
