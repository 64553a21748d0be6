import AudioSpoolTestKit
import Basics
import EngineProtocol
import Foundation
import Glibc
import Spool
import Testing

/// Spool.admit: what a submitter planted under the supervisor's names is
/// gone before the job runs; only the supervisor's own record is believed.
@Suite struct AdmissionTests {
    let directory = TemporaryDirectory()
    let spool: Spool
    var victim: String { directory.path + "/victim/secret.txt" }

    init() throws {
        spool = Spool(root: directory.path + "/spool")
        try spool.create()
        _ = directory.write("victim/secret.txt", "not for jobs")
    }

    /// Every reserved name, and a name of each temporary pattern.
    static let planted = JobFolderNames.supervisorEntries.sorted() + [
        ".output.wav.tmp-123", ".output.wav.partial-4242", ".result.json.tmp-1-2", ".x.staging-9",
    ]

    enum Kind: CaseIterable { case symlink, file, folder, fifo }

    func dropFolder(_ name: String, planting kind: Kind) throws -> ClaimedJob {
        let staging = spool.tmp + "/" + name
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        try Data(#"{"engine": "tone"}"#.utf8).write(to: URL(fileURLWithPath: staging + "/job.json"))
        try Data("mine".utf8).write(to: URL(fileURLWithPath: staging + "/input.txt"))
        for entry in Self.planted {
            let path = staging + "/" + entry
            switch kind {
            case .symlink: try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: victim)
            case .file: try Data(#"[{"number": 1, "host": "h", "pid": 1, "started_at": "t"}]"#.utf8).write(to: URL(fileURLWithPath: path))
            case .folder:
                try FileManager.default.createDirectory(atPath: path + "/inner", withIntermediateDirectories: true)
                try FileManager.default.createSymbolicLink(atPath: path + "/inner/link", withDestinationPath: victim)
            case .fifo: #expect(mkfifo(path, 0o644) == 0)
            }
        }
        #expect(rename(staging, spool.path(of: .new, name)) == 0)
        return try claim(name)
    }

    @Test(arguments: Kind.allCases) func everyReservedNameAndTemporaryIsRemoved(_ kind: Kind) throws {
        let claimed = try dropFolder("job", planting: kind)
        let record = try spool.admit(claimed)
        #expect(record.attempts.isEmpty, "a submitted attempts.json is never believed")
        #expect(record.segments == nil)
        let left = try FileManager.default.contentsOfDirectory(atPath: claimed.directory).sorted()
        #expect(left == ["input.txt", "job.json"], "\(kind)")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "not for jobs")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/victim") == ["secret.txt"])
    }

    @Test func aTreeTooDeepToRemoveIsMovedOutOfTheJob() throws {
        let staging = spool.tmp + "/deep"
        let nested = (0..<(ConfinedDirectory.removalDepthLimit + 16)).map { _ in "d" }.joined(separator: "/")
        try FileManager.default.createDirectory(atPath: staging + "/segments/" + nested, withIntermediateDirectories: true)
        try Data(#"{"engine": "tone"}"#.utf8).write(to: URL(fileURLWithPath: staging + "/job.json"))
        #expect(rename(staging, spool.path(of: .new, "deep")) == 0)
        let claimed = try claim("deep")
        _ = try spool.admit(claimed)
        #expect(try FileManager.default.contentsOfDirectory(atPath: claimed.directory) == ["job.json"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.state.planted).count == 1)
    }

    @Test func fakeCrashesInASubmittedAttemptsFileCountForNothing() throws {
        let staging = spool.tmp + "/poisoned"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        try Data(#"{"engine": "tone"}"#.utf8).write(to: URL(fileURLWithPath: staging + "/job.json"))
        let fake = (1...5).map { #"{"number": \#($0), "host": "h", "pid": 1, "started_at": "t", "error": {"kind": "engine_crashed", "message": "fake"}}"# }
        try Data(("[" + fake.joined(separator: ",") + "]").utf8).write(to: URL(fileURLWithPath: staging + "/attempts.json"))
        #expect(rename(staging, spool.path(of: .new, "poisoned")) == 0)
        let claimed = try claim("poisoned")
        #expect(try spool.admit(claimed).attempts == [])
        #expect(!FileManager.default.fileExists(atPath: claimed.directory + "/attempts.json"))
    }

    @Test func theSupervisorsOwnRecordCarriesAttemptsAndSegmentsAcrossARequeue() throws {
        let claimed = try dropFolder("resumed", planting: .file)
        var record = try spool.admit(claimed)
        let folder = JobFolder(path: claimed.directory)
        let segments = try folder.directory().makeDirectories("segments")
        try segments.writeAtomically(Data("plan".utf8), to: "plan.json")
        record.attempts = [AttemptRecord(number: 1, host: "h", pid: 1, startedAt: "t")]
        record.segments = try folder.directory().info("segments")?.inode
        try spool.save(record, for: folder)
        try spool.requeue(claimed.id)

        let again = try claim("resumed")
        let carried = try spool.admit(again)
        #expect(carried.attempts.count == 1)
        #expect(FileManager.default.fileExists(atPath: again.directory + "/segments/plan.json"))

        // A segments/ swapped in by the submitter is not ours: it goes.
        try spool.requeue(again.id)
        let path = spool.path(of: .new, "resumed")
        #expect(rename(path + "/segments", directory.path + "/taken") == 0)
        try FileManager.default.createDirectory(atPath: path + "/segments", withIntermediateDirectories: true)
        try Data("forged".utf8).write(to: URL(fileURLWithPath: path + "/segments/00001.wav"))
        let third = try claim("resumed")
        let trusted = try spool.admit(third)
        #expect(trusted.segments == nil)
        #expect(!FileManager.default.fileExists(atPath: third.directory + "/segments"))
        #expect(trusted.attempts.count == 1)
    }

    @Test func anEditedIdempotencyKeyNeverBecomesAPath() throws {
        // The attacker's done/ folder is still theirs: its result.json names a key that leads out.
        let target = directory.path + "/victim/index.json"
        try Data(#"{"id": "mine", "outputs": {}}"#.utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.createDirectory(atPath: spool.state.results, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: spool.path(of: .done, "mine"), withIntermediateDirectories: true)
        let result = #"{"id": "mine", "status": "done", "engine": {"name": "tone", "version": "1"}, "task": "tone", "device": "cpu", "attempts": 1, "timings": {"claimed_at": "t", "finished_at": "t", "engine_s": 0, "encode_s": 0, "total_s": 0}, "outputs": [], "idempotency_key": "../../../victim/index.json"}"#
        try Data(result.utf8).write(to: URL(fileURLWithPath: spool.path(of: .done, "mine") + "/result.json"))
        #expect(JobFolder(path: spool.path(of: .done, "mine")).read(JobResult.self, from: spool.path(of: .done, "mine") + "/result.json")?.idempotencyKey != nil)
        let expired = spool.expiredJobs(doneDays: 1, failedDays: 0, now: Date().addingTimeInterval(3 * 86400))
        try #require(expired.map(\.id) == ["mine"])
        try spool.remove(expired[0])
        #expect(!FileManager.default.fileExists(atPath: spool.path(of: .done, "mine")))
        #expect(FileManager.default.fileExists(atPath: target), "a file outside the spool was removed")
    }

    @Test func aRecordMadeForAnotherJobIsNotBelieved() throws {
        // The record names the job it was made for; a folder that has its
        // inode under another name (one removed by hand, its inode reused) is not that job.
        let claimed = try dropFolder("first", planting: .file)
        var record = try spool.admit(claimed)
        record.attempts = [AttemptRecord(number: 1, host: "h", pid: 1, startedAt: "t")]
        try spool.save(record, for: JobFolder(path: claimed.directory))
        #expect(rename(claimed.directory, spool.path(of: .new, "stranger")) == 0)
        #expect(try spool.admit(claim("stranger")).attempts.isEmpty)
    }

    @Test func idsFromCommandsAreOneName() {
        for bad in ["", ".", "..", "../done/job1", "a/b", ".hidden", "a\nb", "x\u{0}y"] {
            #expect(!Spool.isJobID(bad), "\(bad.debugDescription)")
            #expect(spool.locate(bad) == nil)
        }
        #expect(Spool.isJobID("tone-20261123T145100-3fa9c2"))
    }

    @Test func retryTakesOnlyAFailedJob() throws {
        try FileManager.default.createDirectory(atPath: spool.path(of: .done, "job1"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory.path + "/elsewhere/dir", withIntermediateDirectories: true)
        _ = directory.write("elsewhere/dir/error.json", "{}")
        for id in ["../done/job1", "../../elsewhere/dir", "job1"] {
            #expect(throws: FileSystemError.self, "\(id)") { try spool.retryFailed(id) }
        }
        #expect(FileManager.default.fileExists(atPath: spool.path(of: .done, "job1")))
        #expect(FileManager.default.fileExists(atPath: directory.path + "/elsewhere/dir/error.json"))
        #expect(spool.entriesIn(.new).isEmpty)
    }
}

extension AdmissionTests {
    func claim(_ name: String) throws -> ClaimedJob {
        let submission = try #require(Submission.classify(name, type: .directory))
        return try #require(try spool.claim(submission))
    }
}

extension Spool {
    fileprivate func entriesIn(_ folder: Folder) -> [String] {
        ((try? FileSystem.list(path(of: folder))) ?? []).filter { !$0.hasPrefix(".") }
    }
}
