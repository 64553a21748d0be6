import AudioSpoolTestKit
import Basics
import Foundation
import Spool
import Testing

/// `state/` named by one type, and the idempotency index the cache and
/// retention share.
@Suite struct SpoolStateTests {
    let directory = TemporaryDirectory()
    let spool: Spool

    init() throws {
        spool = Spool(root: directory.path + "/spool")
        try spool.create()
    }

    static let key = String(repeating: "ab", count: 32)

    @Test func everyPathIsUnderState() {
        let state = Spool(root: "/srv/spool/").state
        #expect(state.path == "/srv/spool/state")
        let host = "/srv/spool/state/hosts/" + HostIdentity.name
        #expect(state.supervisorFile == host + "/supervisor.json")
        #expect(state.metricsFile == host + "/metrics.prom")
        #expect(state.eventsFile == host + "/events.jsonl")
        #expect(state.log(engine: "tone") == host + "/logs/tone.log")
        #expect(state.host("b").eventsFile == "/srv/spool/state/hosts/b/events.jsonl")
        #expect(state.results == "/srv/spool/state/results")
        #expect(state.resultIndex.file(key: "k") == "/srv/spool/state/results/k")
        #expect(state.resultIndex.runningMark(key: "k") == "/srv/spool/state/results/k.running")
        #expect(state.carried(inode: 42) == "/srv/spool/state/carried/42.json")
        #expect(state.planted == "/srv/spool/state/planted")
        #expect(state.engineRecord(host: "h", pid: 7) == "/srv/spool/state/engines/h-7.json")
        #expect(state.leases(host: "h") == "/srv/spool/state/leases/h")
        #expect(Spool(root: "/srv/spool").events.path == state.eventsFile)
    }

    @Test func documentsRoundTripUnderState() throws {
        let state = spool.state
        try spool.prepareHostState()
        try state.write(SupervisorState(version: "1", startedAt: "t"), to: state.supervisorFile)
        #expect(spool.supervisorState()?.version == "1")
        #expect(state.read(SupervisorState.self, from: state.metricsFile) == nil)
    }

    @Test func everyHostIsListedByItsFolder() throws {
        let state = spool.state
        for name in ["b", "a"] { try FileSystem.createDirectories(state.host(name).path) }
        try FileSystem.createDirectories(state.hosts + "/.partial")
        #expect(state.allHosts().map(\.name) == ["a", "b"])
    }

    @Test func anEntryIsRecordedReadAndRemovedOnlyByItsJob() throws {
        let index = spool.state.resultIndex
        #expect(index.entry(for: Self.key) == nil)
        let entry = ResultIndexEntry(id: "a", outputs: ["output.wav": "00"])
        try index.record(entry, for: Self.key)
        #expect(index.entry(for: Self.key) == entry)
        index.remove(key: Self.key, ifItNames: "b")
        #expect(index.entry(for: Self.key) == entry, "a later job's entry is not another's to remove")
        index.remove(key: "../../victim", ifItNames: "a")
        index.remove(key: Self.key, ifItNames: "a")
        #expect(index.entry(for: Self.key) == nil)
    }

    @Test func aKeyIsMarkedByOneJobAtATime() throws {
        let index = spool.state.resultIndex
        #expect(index.markHolder(key: Self.key) == nil)
        #expect(try index.mark(key: Self.key, for: "a"))
        #expect(try !index.mark(key: Self.key, for: "b"))
        #expect(index.markHolder(key: Self.key) == "a")
        index.releaseMark(key: Self.key, for: "b")
        #expect(index.markHolder(key: Self.key) == "a", "only its holder releases a mark")
        index.releaseMark(key: Self.key, for: "a")
        #expect(index.markHolder(key: Self.key) == nil)
        #expect(try index.mark(key: Self.key, for: "b"))
        index.clearMark(key: Self.key)
        #expect(try index.mark(key: Self.key, for: "c"))
    }
}
