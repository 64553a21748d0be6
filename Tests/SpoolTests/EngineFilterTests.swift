import AudioSpoolTestKit
import Basics
import Foundation
import Spool
import Testing

/// `--engines-only`: the queue of a filtered supervisor never offers a job
/// for another engine, still offers what nobody can tell the engine of, and
/// peeks without following a link out of the spool.
@Suite struct EngineFilterTests {
    let directory = TemporaryDirectory()
    let spool: Spool

    init() throws {
        spool = Spool(root: directory.path + "/spool")
        try spool.create()
    }

    func filtered(_ names: String...) -> PendingQueue {
        var queue = PendingQueue(spool: spool, settle: 0, defaultPriority: 5, limits: SpoolLimits())
        queue.filter = EngineFilter(names)
        queue.drops = JobSchedule.DropEngines(tts: "piper", separation: "demucs")
        return queue
    }

    func drain(_ queue: inout PendingQueue) -> [String] {
        var names: [String] = []
        while let next = queue.next() { names.append(next.entryName) }
        return names
    }

    @Test func jobsForOtherEnginesAreLeftAndTheRestRun() throws {
        var queue = filtered("piper", "espeak")
        directory.write("spool/new/tone.json", #"{"engine":"tone"}"#)
        directory.write("spool/new/xtts/job.json", #"{"engine":"xtts","text":"hi"}"#)
        directory.write("spool/new/piper.json", #"{"engine":"piper","text":"hi"}"#)
        directory.write("spool/new/speak.txt", "dropped text goes to tts_engine, piper")
        directory.write("spool/new/song.wav", "dropped audio goes to separation_engine, demucs")
        for name in ["tone.json", "xtts", "piper.json", "speak.txt", "song.wav"] { queue.handle(.arrived(name)) }
        #expect(drain(&queue) == ["piper.json", "speak.txt"])
        // As their claims would: the two taken leave new/.
        for name in ["piper.json", "speak.txt"] { try FileManager.default.removeItem(atPath: spool.path(of: .new, name)) }
        #expect(queue.leftForOthers == ["tone": 1, "xtts": 1, "demucs": 1])
        #expect(!queue.hasWork(), "jobs left for other supervisors are not --until-idle's work")
        // A rescan (the safety net, or polling) does not bring them back.
        try queue.rescan()
        #expect(queue.next() == nil)
        #expect(queue.count == 3)
        // Claimed by someone else: forgotten.
        queue.handle(.removed("tone.json"))
        #expect(queue.leftForOthers == ["xtts": 1, "demucs": 1])
    }

    @Test func aJobWhoseEngineCannotBeReadIsAnyonesToFail() throws {
        var queue = filtered("piper")
        directory.write("spool/new/broken.json", "{not json")
        directory.write("spool/new/noengine.json", #"{"text":"hi"}"#)
        directory.write("spool/new/odd.pdf", "%PDF")
        let outside = directory.write("outside.json", #"{"engine":"tone"}"#)
        #expect(symlink(outside, spool.path(of: .new, "link.json")) == 0)
        for name in ["broken.json", "noengine.json", "odd.pdf", "link.json"] { queue.handle(.arrived(name)) }
        // Each fails as bad_input whoever claims it; a spool of filtered supervisors must still fail them.
        #expect(Set(drain(&queue)) == ["broken.json", "noengine.json", "odd.pdf", "link.json"])
        #expect(queue.leftForOthers.isEmpty, "the link's target (engine tone) is never read")
    }

    @Test func anEngineThatIsNotAStringKeepsThePriority() throws {
        directory.write("spool/new/odd.json", #"{"engine":5,"priority":9,"not_before":"2999-01-01T00:00:00Z"}"#)
        let submission = try #require(Submission.classify("odd.json", type: .regular))
        let schedule = JobSchedule.peek(submission, in: spool, defaultPriority: 5, limits: SpoolLimits())
        #expect(schedule.priority == 9 && schedule.notBefore != nil && schedule.engine == nil, "\(schedule)")
    }

    @Test func withoutAFilterEveryEngineRuns() throws {
        var queue = PendingQueue(spool: spool, settle: 0, defaultPriority: 5, limits: SpoolLimits())
        directory.write("spool/new/tone.json", #"{"engine":"tone"}"#)
        directory.write("spool/new/xtts.json", #"{"engine":"xtts"}"#)
        for name in ["tone.json", "xtts.json"] { queue.handle(.arrived(name)) }
        #expect(drain(&queue) == ["tone.json", "xtts.json"])
    }

    @Test func theListIsParsedStrictly() {
        #expect((try? EngineFilter.parse(" piper, espeak ").get())?.sorted == ["espeak", "piper"])
        for bad in ["", " ", "piper,,espeak", "../tone", ".hidden", "pi per"] {
            guard case .failure(let problem) = EngineFilter.parse(bad) else {
                Issue.record("\"\(bad)\" should not parse")
                continue
            }
            #expect(!problem.description.isEmpty)
        }
        #expect(EngineFilter(["piper"]).accepts("piper"))
        #expect(!EngineFilter(["piper"]).accepts("xtts"))
        #expect(EngineFilter(["piper"]).accepts(nil))
    }

    @Test func theWaitingReasonNamesTheEngineAndTheFilters() throws {
        directory.write("spool/new/tone.json", #"{"engine":"tone"}"#)
        #expect(spool.pendingEngine(entry: "tone.json", config: SpoolConfig()) == "tone")
        #expect(spool.waitingReason(engine: "tone") == "no supervisor is running")
        var state = SupervisorState(version: "1", startedAt: Timestamp.now())
        state.host = "cpu-a"
        state.enginesOnly = ["espeak", "piper"]
        let host = spool.state.host("cpu-a")
        try FileSystem.createDirectories(host.path)
        try spool.state.write(state, to: host.supervisorFile)
        let reason = try #require(spool.waitingReason(engine: "tone"))
        #expect(reason.contains("no running supervisor takes engine tone") && reason.contains("cpu-a takes only espeak, piper"), "\(reason)")
        #expect(spool.waitingReason(engine: "piper") == nil)
    }
}
