import AudioSpoolTestKit
import Basics
import Foundation
import Glibc
import Spool
import Testing

/// Hostile and mistaken input gets a sentence that says what is wrong, never
/// a dump of Swift's errors, and the supervisor keeps running good jobs.
@Suite(.timeLimit(.minutes(3))) struct ClearErrorTests {
    @Test func malformedDocumentsFailByNameWhileGoodJobsRun() async throws {
        let fixture = try SpoolFixture()
        let deep = String(repeating: "[", count: 510) + String(repeating: "]", count: 510)
        let bad: [(name: String, job: String, message: String)] = [
            ("dup", #"{"engine": "tone", "engine": "nosuch"}"#, "gives the field \"engine\" more than once"),
            ("deep", #"{"engine": "tone", "params": {"a": \#(deep)}}"#, "nests arrays and objects more than 64 levels deep"),
            ("huge", #"{"engine": "tone", "params": {"seconds": 1e400}}"#, "the number 1e400 at \"params.seconds\", which is out of range"),
            ("nul", #"{"engine": "tone", "task": "tts", "text": "Hello\u0000world"}"#, "field \"text\" contains a NUL character"),
            ("nultag", #"{"engine": "tone", "output": {"tags": {"title": "a\u0000b"}}}"#, "tag \"title\" contains a NUL character"),
            ("typo", #"{"engine": "tone", "params": {"secnds": 1}}"#, "unknown param 'secnds' (known: amplitude, frequency, pace, sample_rate, seconds)"),
        ]
        for job in bad { try fixture.drop(job.name + ".json", job.job) }
        try fixture.drop("empty.txt", "")
        try fixture.drop("good.json", #"{"engine": "tone", "params": {"seconds": 0.1}}"#)

        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        #expect(fixture.entries(.done) == ["good"])
        for job in bad + [("empty", "", "the dropped file empty.txt is empty")] {
            let error = try #require(fixture.json(.failed, job.name, "error.json")?["error"] as? [String: Any], "\(job.name)")
            let message = error["message"] as? String ?? ""
            #expect(error["kind"] as? String == "bad_input", "\(job.name): \(error)")
            #expect(message.contains(job.message), "\(job.name): \(message)")
            #expect(message.utf8.count < 300 && !message.contains("DecodingError") && !message.contains("Swift."), "\(job.name): \(message)")
        }
        let empty = try #require(fixture.json(.failed, "empty", "error.json")?["error"] as? [String: Any])
        let message = try #require(empty["message"] as? String)
        #expect(!message.contains("text_file") && !message.contains("\"text\""), "the dropper wrote neither: \(message)")
    }

    /// "File too large" once, without the limit or what sets it.
    @Test func anOversizedTextFileNamesTheLimit() async throws {
        let fixture = try SpoolFixture(config: ["limits": ["max_text_chars": 1000]])
        try fixture.drop("long.txt", String(repeating: "word ", count: 1000))
        try fixture.drop("job.json", #"{"engine": "tone", "task": "tts", "text": "\#(String(repeating: "x", count: 1001))"}"#)
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        let long = fixture.json(.failed, "long", "error.json")?["error"] as? [String: Any]
        #expect(long?["message"] as? String == "the dropped file long.txt is over 4000 bytes, more than limits.max_text_chars (1000 characters) can be", "\(long ?? [:])")
        let job = fixture.json(.failed, "job", "error.json")?["error"] as? [String: Any]
        #expect((job?["message"] as? String ?? "").contains("has 1001 characters, over the limit of 1000"), "\(job ?? [:])")
    }

    /// An empty output list would finish every job with no audio.
    @Test func aConfigWithNoOutputsIsRefusedAtStart() async throws {
        let fixture = try SpoolFixture(config: ["output": [Any]()])
        try fixture.drop("job.json", #"{"engine": "tone", "params": {"seconds": 0.1}}"#)
        let run = try await fixture.runUntilIdle()
        #expect(run.status != 0)
        #expect(run.stderr.contains("field \"output\" must list at least one output"), "\(run.stderr)")
        #expect(fixture.entries(.new) == ["job.json"], "nothing ran")
    }

    @Test func commandLineFailuresSayWhyWithoutTheUsageText() async throws {
        let fixture = try SpoolFixture()
        let missing = fixture.directory.path + "/no/such/spool"
        var result = try await ChildProcess.run(Repository.executable, ["status", "--spool", missing])
        #expect(result.status == 1, "\(result.summary)")
        #expect(result.stderr.contains("no spool at \(missing)") && !result.stderr.contains("Usage:"), "\(result.stderr)")

        // A typo in --spool: nothing is created, not even the parents.
        result = try await ChildProcess.run(Repository.executable, ["run", "--until-idle", "--spool", missing, "--engines", fixture.engines])
        #expect(result.status == 1, "\(result.summary)")
        #expect(result.stderr.contains("its parent folder must exist"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fixture.directory.path + "/no"))

        // A typo in --engines: a warning that names the folder.
        result = try await ChildProcess.run(
            Repository.executable, ["run", "--until-idle", "--spool", fixture.spool.root, "--engines", fixture.directory.path + "/Engnes"])
        #expect(result.status == 0, "\(result.summary)")
        #expect(result.stderr.contains("the engines folder does not exist") && result.stderr.contains("/Engnes"), "\(result.stderr)")

        for command in [["engines"], ["engines", "voices"], ["engines", "setup"]] {
            result = try await ChildProcess.run(Repository.executable, command + ["--engines", fixture.directory.path + "/Engnes"])
            #expect(result.status == 1 && result.stderr.contains("no engines folder at \(fixture.directory.path)/Engnes"), "\(command): \(result.summary)")
        }

        for days in ["-1", "nan"] {
            result = try await fixture.cli("clean", "--done-days", days, engines: false)
            #expect(result.status == 64, "a usage error: \(result.summary)")
            #expect(result.stderr.contains("--done-days must be a number of days from 0 to 36500"), "\(result.stderr)")
        }

        result = try await fixture.cli("submit", "--engine", "nope")
        #expect(result.status == 1 && !result.stderr.contains("Usage:"), "\(result.summary)")
        result = try await fixture.cli("submit", "--engine", "tone", "--engines", fixture.directory.path + "/nowhere", engines: false)
        #expect(result.status == 1 && result.stderr.contains("nowhere: no such folder"), "\(result.summary)")
        #expect(fixture.entries(.new).isEmpty)
    }

    /// What the supervisor would refuse after claiming, submit refuses now,
    /// in the same words.
    @Test(arguments: [
        (["--engine", "tone", "--task", "sing"], "engine tone has no task \"sing\" (its tasks: tone, tts)"),
        (["--engine", "tone", "--task", "tts"], "task \"tts\" of engine tone needs text"),
        (["--engine", "tone", "--task", "tts", "--text", "   "], "needs text, and its \"text\" is empty or only blanks"),
        (["--engine", "tone", "--text", "Hello"], "task \"tone\" of engine tone takes no text"),
    ])
    func submitChecksTheJobAgainstItsEngine(arguments: [String], message: String) async throws {
        let fixture = try SpoolFixture()
        let result = try await ChildProcess.run(
            Repository.executable, ["submit"] + arguments + ["--spool", fixture.spool.root, "--engines", fixture.engines])
        #expect(result.status == 1, "\(result.summary)")
        #expect(result.stderr.contains(message) && !result.stderr.contains("Usage:"), "\(result.stderr)")
        #expect(fixture.entries(.new).isEmpty)
    }

    @Test func submitChecksAJobFilesInputsAgainstItsEngine() async throws {
        let fixture = try SpoolFixture()
        let source = TemporaryDirectory()
        source.write("voice.wav", "not checked here")
        source.write("job.json", #"{"engine": "tone", "inputs": {"reference": "voice.wav"}}"#)
        let result = try await fixture.cli("submit", source.file("job.json"))
        #expect(result.status == 1, "\(result.summary)")
        #expect(result.stderr.contains("task \"tone\" of engine tone takes no input \"reference\" (it takes: none)"), "\(result.stderr)")
    }

    /// `--until-idle` leaves a job due in two minutes, and says so.
    @Test func runUntilIdleSaysWhatItLeavesWaiting() async throws {
        let fixture = try SpoolFixture()
        let later = Timestamp.string(Date().addingTimeInterval(120))
        try fixture.drop("later.json", #"{"engine": "tone", "not_before": "\#(later)"}"#)
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        #expect(run.stderr.contains("leaving jobs that are not due yet in new/") && run.stderr.contains("horizon_s=60"), "\(run.stderr)")
        #expect(fixture.entries(.new) == ["later.json"])
    }

    /// Jobs hold people's text and voices: what the supervisor makes is
    /// never world-readable, whatever umask it was started under.
    @Test(arguments: [(nil, 0o640 as mode_t, 0o750 as mode_t), ("007", 0o660, 0o770)])
    func theSpoolsUmaskCoversWhatTheSupervisorMakes(umask: String?, file: mode_t, folder: mode_t) async throws {
        let fixture = try SpoolFixture(config: umask.map { ["umask": $0] } ?? [:])
        try fixture.drop("job.json", #"{"engine": "tone", "params": {"seconds": 0.1}}"#)
        // Started under umask 000, the worst case the issue found.
        let run = try await ChildProcess.run(
            "/bin/sh", ["-c", "umask 000 && exec \"$0\" \"$@\"", Repository.executable, "run", "--until-idle",
                        "--spool", fixture.spool.root, "--engines", fixture.engines])
        #expect(run.status == 0, "\(run.summary)")
        func mode(_ path: String) -> mode_t? {
            var status = stat()
            return lstat(path, &status) == 0 ? status.st_mode & 0o777 : nil
        }
        let done = fixture.spool.path(of: .done, "job")
        for path in [done + "/output.wav", done + "/result.json", fixture.spool.state.supervisorFile, fixture.spool.state.eventsFile] {
            #expect(mode(path) == file, "\(path): \(String(mode(path) ?? 0, radix: 8))")
        }
        for path in [fixture.spool.state.leases, fixture.spool.state.logs] {
            #expect(mode(path) == folder, "\(path): \(String(mode(path) ?? 0, radix: 8))")
        }
    }
}
