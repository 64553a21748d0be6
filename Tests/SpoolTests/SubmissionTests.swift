import Spool
import Testing

@Suite struct SubmissionTests {
    @Test(arguments: [
        ("chapter.json", Submission.Kind.jobFile, "chapter", "job.json"),
        ("chapter.txt", .text, "chapter", "input.txt"),
        ("song.mp3", .audio, "song", "input.mp3"),
        ("song.FLAC", .audio, "song", "input.flac"),
        ("song.wav", .audio, "song", "input.wav"),
        ("take.ogg", .audio, "take", "input.ogg"),
        ("report.pdf", .rejected, "report", "report.pdf"),
        ("README", .rejected, "README", "README"),
        // maildir's info suffix is not part of the id
        ("1700000000.M1P2.host.json:2,S", .jobFile, "1700000000.M1P2.host", "job.json"),
        ("old.txt:1,", .text, "old", "input.txt"),
        ("a:1,b.txt:2,RS", .text, "a:1,b", "input.txt"),
        ("time 12:30.txt", .text, "time 12:30", "input.txt"),
        ("odd:2.json", .jobFile, "odd:2", "job.json"),
        ("a.b.c.txt", .text, "a.b.c", "input.txt"),
    ])
    func filesAreClassifiedByExtension(name: String, kind: Submission.Kind, stem: String, claimedName: String) throws {
        let submission = try #require(Submission.classify(name, type: .regular))
        #expect(submission.kind == kind)
        #expect(submission.stem == stem)
        #expect(submission.claimedName == claimedName)
    }

    @Test func folderJobsKeepTheirWholeName() throws {
        let submission = try #require(Submission.classify("batch.v2", type: .directory))
        #expect(submission.kind == .jobDirectory)
        #expect(submission.stem == "batch.v2")
    }

    @Test func dotFilesAreIgnored() {
        #expect(Submission.classify(".chapter.txt.swp", type: .regular) == nil)
        #expect(Submission.classify(".hidden", type: .directory) == nil)
    }

    @Test func symlinksAndSpecialFilesAreRejectedWithAReason() throws {
        let link = try #require(Submission.classify("job.json", type: .symlink))
        #expect(link.kind == .rejected)
        #expect(link.reason?.contains("symbolic link") == true)
        let fifo = try #require(Submission.classify("pipe.json", type: .other))
        #expect(fifo.kind == .rejected)
        #expect(fifo.reason?.contains("not a regular file") == true)
    }

    @Test func unsupportedExtensionsSayWhatIsAccepted() throws {
        let submission = try #require(Submission.classify("notes.docx", type: .regular))
        #expect(submission.reason?.contains(".docx files are not accepted") == true)
        #expect(submission.reason?.contains(".json, .txt") == true)
    }

    @Test func controlCharactersNeverReachAnID() throws {
        let submission = try #require(Submission.classify("bad\nname.json", type: .regular))
        #expect(submission.stem == "bad_name")
    }
}
