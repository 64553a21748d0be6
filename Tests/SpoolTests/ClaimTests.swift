import AudioSpoolTestKit
import Basics
import Foundation
import Spool
import Testing

@Suite struct ClaimTests {
    let directory = TemporaryDirectory()
    let spool: Spool

    init() throws {
        spool = Spool(root: directory.path + "/spool")
        try spool.create()
    }

    func drop(_ name: String, _ contents: String = "{}") {
        directory.write("spool/new/" + name, contents)
    }

    func submission(_ name: String) throws -> Submission {
        let info = try #require(FileSystem.info(spool.path(of: .new, name)))
        return try #require(Submission.classify(name, type: info.type))
    }

    @Test func createsEveryFolder() {
        for folder in [spool.tmp, spool.new, spool.cur, spool.done, spool.failed, spool.state.path] {
            #expect(FileSystem.isDirectory(folder), "\(folder)")
        }
    }

    @Test func aFileJobMovesIntoItsOwnFolder() throws {
        drop("speak.json", #"{"engine":"tone"}"#)
        let claimed = try #require(try spool.claim(submission("speak.json")))
        #expect(claimed.id == "speak")
        #expect(claimed.directory == spool.cur + "/speak")
        #expect(!FileSystem.exists(spool.new + "/speak.json"))
        let moved = try String(contentsOfFile: claimed.directory + "/job.json", encoding: .utf8)
        #expect(moved == #"{"engine":"tone"}"#)
    }

    @Test func aFolderJobBecomesTheJobFolder() throws {
        drop("batch/job.json", #"{"engine":"tone"}"#)
        drop("batch/voice.wav", "RIFF")
        let claimed = try #require(try spool.claim(submission("batch")))
        #expect(FileSystem.exists(claimed.directory + "/job.json"))
        #expect(FileSystem.exists(claimed.directory + "/voice.wav"))
        #expect(!FileSystem.exists(spool.new + "/batch"))
    }

    @Test func idsAreMadeUniqueAcrossFolders() throws {
        try FileSystem.createDirectories(spool.done + "/take")
        try FileSystem.createDirectories(spool.failed + "/take-2")
        drop("take.txt", "hello")
        let claimed = try #require(try spool.claim(submission("take.txt")))
        #expect(claimed.id == "take-3")
        #expect(FileSystem.exists(spool.cur + "/take-3/input.txt"))
    }

    @Test func aVanishedEntryIsNotClaimedAndLeavesNothingBehind() throws {
        drop("gone.json")
        let gone = try submission("gone.json")
        try FileSystem.removeTree(spool.new + "/gone.json")
        #expect(try spool.claim(gone) == nil)
        #expect(try FileSystem.list(spool.cur).isEmpty, "the reservation must be removed")
    }

    /// Two claimers race for every entry; each entry must be claimed once.
    @Test func concurrentClaimersNeverBothWin() async throws {
        let count = 300
        for index in 0..<count { drop("job\(index % 7).\(index).json") }
        let names = try FileSystem.list(spool.new)
        let submissions = try names.map(submission)
        let spool = self.spool
        let wins = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    submissions.shuffled().compactMap { try? spool.claim($0)?.submission.entryName }
                }
            }
            var all: [String] = []
            for await won in group { all += won }
            return all
        }
        #expect(wins.count == count)
        #expect(Set(wins).count == count, "an entry was claimed twice")
        #expect(try FileSystem.list(spool.new).isEmpty)
        #expect(try FileSystem.list(spool.cur).count == count)
    }

    @Test func finishingNeverOverwritesAnExistingJob() throws {
        drop("x.json")
        let claimed = try #require(try spool.claim(submission("x.json")))
        directory.write("spool/done/x/result.json", "{}")
        let id = try spool.finish(claimed.id, into: .done)
        #expect(id == "x-2")
        #expect(FileSystem.exists(spool.done + "/x/result.json"))
        #expect(FileSystem.exists(spool.done + "/x-2/job.json"))
    }

    @Test func requeueReturnsTheFolderToNew() throws {
        drop("again.json", #"{"engine":"tone"}"#)
        let claimed = try #require(try spool.claim(submission("again.json")))
        try spool.requeue(claimed.id)
        #expect(FileSystem.isDirectory(spool.new + "/again"))
        let next = try #require(try spool.claim(submission("again")))
        #expect(next.id == "again")
        #expect(next.submission.kind == .jobDirectory)
    }
}
