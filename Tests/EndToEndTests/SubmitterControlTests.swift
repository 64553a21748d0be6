import AudioSpoolTestKit
import Basics
import Foundation
import Glibc
import Spool
import Testing

/// SPOOL.md, "What a submitter controls": a job folder never makes the
/// supervisor (root, here as in production) write or read outside the
/// spool, and never makes it believe records it did not write.
@Suite(.timeLimit(.minutes(3))) struct SubmitterControlTests {
    /// A victim outside the spool: a folder holding a WAV of a pitch no
    /// engine here makes, so any output that carries it can be told.
    struct Victim {
        static let pitch = 1234.0
        let folder: String
        var file: String { folder + "/private.wav" }
        let digest: String

        init(in fixture: SpoolFixture) async throws {
            folder = fixture.directory.path + "/victim"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try TestSignals.sine(folder + "/private.wav", frequency: Self.pitch, rate: 22050, channels: 1, seconds: 0.5)
            digest = try await sha256(folder + "/private.wav")
        }

        func isUntouched() async throws {
            #expect(try await sha256(file) == digest, "the victim's bytes changed")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["private.wav"], "something was written beside the victim")
        }

        /// No output of a finished job is, links to, or sounds like the victim.
        func isNotIn(_ folder: String) throws {
            for name in try FileManager.default.contentsOfDirectory(atPath: folder) where name.hasSuffix(".wav") {
                let path = folder + "/" + name
                #expect(FileSystem.info(path)?.type == .regular, "\(path) is not a regular file")
                let audio = try Audio(path)
                #expect(abs(audio.frequency - Self.pitch) > 50, "\(path) sounds like the victim")
            }
        }
    }

    func dropFolder(_ fixture: SpoolFixture, _ name: String, job: String, make: (String) throws -> Void) throws {
        let staging = fixture.spool.tmp + "/" + name
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        try Data(job.utf8).write(to: URL(fileURLWithPath: staging + "/job.json"))
        try make(staging)
        #expect(rename(staging, fixture.spool.path(of: .new, name)) == 0)
    }

    @Test func plantedSymlinksRedirectNoWriteAndNoRead() async throws {
        let fixture = try SpoolFixture()
        let victim = try await Victim(in: fixture)
        let link = { (path: String, target: String) in try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target) }
        // Every name the supervisor writes, and old and guessable temporaries, lead to the victim.
        try dropFolder(fixture, "tone-job", job: #"{"engine": "tone", "params": {"seconds": 0.2}, "output": {"format": "wav"}}"#) { folder in
            for name in ["status.json", "result.json", "error.json", "owner.json", "attempts.json"] {
                try link(folder + "/" + name, victim.file)
            }
            for pid in 1..<64 { try link(folder + "/.output.wav.partial-\(pid)", victim.file) }
            try link(folder + "/work", victim.folder)
            try link(folder + "/segments", victim.folder)
        }
        // A long text whose segments/ leads to the victim's folder (issue 13, 2).
        try dropFolder(fixture, "long-job", job: #"{"engine": "tone", "task": "tts", "text": "One two. Three four five."}"#) { folder in
            try link(folder + "/segments", victim.folder)
        }
        // Segments of its own making, one a symlink to the victim's audio (issue 13, 3).
        try dropFolder(fixture, "reader-job", job: #"{"engine": "tone", "task": "tts", "text": "Hello there."}"#) { folder in
            try FileManager.default.createDirectory(atPath: folder + "/segments", withIntermediateDirectories: true)
            try Data(#"{"segments": [{"text": "Hello there.", "end": "sentence"}]}"#.utf8).write(to: URL(fileURLWithPath: folder + "/segments/plan.json"))
            try link(folder + "/segments/00001.wav", victim.file)
        }
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        #expect(fixture.entries(.done) == ["long-job", "reader-job", "tone-job"], "failed: \(fixture.entries(.failed))")
        try await victim.isUntouched()
        for id in fixture.entries(.done) {
            let folder = fixture.spool.path(of: .done, id)
            try victim.isNotIn(folder)
            let names = try FileManager.default.contentsOfDirectory(atPath: folder)
            #expect(names.allSatisfy { FileSystem.info(folder + "/" + $0)?.type != .symlink }, "\(id): \(names)")
            #expect(!names.contains("segments") && !names.contains("work") && !names.contains { $0.hasPrefix(".") }, "\(id): \(names)")
        }
        let tone = fixture.json(.done, "tone-job", "result.json")
        #expect((tone?["outputs"] as? [[String: Any]])?.first?["path"] as? String == "output.wav")
        #expect(fixture.json(.done, "tone-job", "result.json")?["attempts"] as? Int == 1)
    }

    @Test func plantedSegmentsNeverReachTheCache() async throws {
        let fixture = try SpoolFixture()
        let victim = try await Victim(in: fixture)
        let text = "Hello there."
        // The attacker's segment is a real file this time, of the victim's audio.
        try dropFolder(fixture, "attacker", job: #"{"engine": "tone", "task": "tts", "text": "\#(text)"}"#) { folder in
            try FileManager.default.createDirectory(atPath: folder + "/segments", withIntermediateDirectories: true)
            try Data(#"{"segments": [{"text": "\#(text)", "end": "sentence"}]}"#.utf8).write(to: URL(fileURLWithPath: folder + "/segments/plan.json"))
            try FileManager.default.copyItem(atPath: victim.file, toPath: folder + "/segments/00001.wav")
        }
        var run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        try victim.isNotIn(fixture.spool.path(of: .done, "attacker"))

        // The attacker swaps its finished output for the victim's audio, in its own done/ folder.
        let published = fixture.spool.path(of: .done, "attacker") + "/output.wav"
        #expect(unlink(published) == 0)
        try FileManager.default.copyItem(atPath: victim.file, toPath: published)

        try fixture.drop("innocent.json", #"{"engine": "tone", "task": "tts", "text": "\#(text)"}"#)
        run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        let innocent = fixture.spool.path(of: .done, "innocent")
        try victim.isNotIn(innocent)
        #expect(fixture.json(.done, "innocent", "result.json")?["cached"] as? Bool != true, "a swapped output is never handed on")
        try await victim.isUntouched()
    }

    @Test func aSubmittedAttemptsFileIsNotBelieved() async throws {
        let fixture = try SpoolFixture(config: ["poison_after": 2, "max_attempts": 3])
        let fake = (1...5).map { #"{"number": \#($0), "host": "h", "pid": 1, "started_at": "2026-01-01T00:00:00Z", "error": {"kind": "engine_crashed", "message": "fake"}}"# }
        try dropFolder(fixture, "framed", job: #"{"engine": "tone", "params": {"seconds": 0.1}}"#) { folder in
            try Data(("[" + fake.joined(separator: ",") + "]").utf8).write(to: URL(fileURLWithPath: folder + "/attempts.json"))
        }
        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")
        #expect(fixture.entries(.done) == ["framed"], "failed: \(String(describing: fixture.json(.failed, "framed", "error.json")))")
        #expect(fixture.json(.done, "framed", "result.json")?["attempts"] as? Int == 1)
        let metrics = (try? String(contentsOfFile: fixture.spool.state.metricsFile, encoding: .utf8)) ?? ""
        #expect(!metrics.split(separator: "\n").contains { $0.hasPrefix("audiospool_poison_jobs_total{") && !$0.hasSuffix(" 0") }, "\(metrics)")
    }

    @Test func commandsTakeOnlyIdsOfJobsInTheirState() async throws {
        let fixture = try SpoolFixture()
        try fixture.drop("job1.json", #"{"engine": "tone", "params": {"seconds": 0.1}}"#)
        _ = try await fixture.runUntilIdle()
        try #require(fixture.entries(.done) == ["job1"])
        let elsewhere = fixture.directory.path + "/elsewhere/dir"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        _ = fixture.directory.write("elsewhere/dir/error.json", "{}")

        for id in ["../done/job1", "../../elsewhere/dir", "job1"] {
            let retry = try await fixture.cli("retry", id, engines: false)
            #expect(retry.status == 1 && (retry.stderr.contains("is not a job id") || retry.stderr.contains("not in")), "retry \(id): \(retry.summary)")
        }
        #expect(fixture.entries(.done) == ["job1"] && fixture.entries(.new).isEmpty)
        #expect(FileManager.default.fileExists(atPath: elsewhere + "/error.json"))
        let cancel = try await fixture.cli("cancel", "../done/job1", "--wait", "0", engines: false)
        #expect(cancel.status != 0 && cancel.stderr.contains("is not a job id"), "\(cancel.summary)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.spool.cancel).isEmpty)
        for id in ["", ".", "..", "../done/job1"] {
            let status = try await fixture.cli("status", id, engines: false)
            #expect(status.status == 1 && status.stderr.contains("no job"), "status \(id.debugDescription): \(status.summary)")
        }
        let explain = try await fixture.cli("explain", ".", engines: false)
        #expect(explain.status == 1 && explain.stderr.contains("no job"), "\(explain.summary)")
        for id in ["x:2,S", "a\nb"] {
            let submit = try await fixture.cli("submit", "--engine", "tone", "--id", id)
            #expect(submit.status != 0 && submit.stderr.contains("would make the job"), "submit --id \(id.debugDescription): \(submit.summary)")
        }
        #expect(fixture.entries(.new).isEmpty)
    }

    @Test func encodeNeverReplacesANodeOrFIFO() async throws {
        let fixture = try SpoolFixture()
        let input = fixture.directory.path + "/in.wav"
        try TestSignals.sine(input, frequency: 440, seconds: 0.1)
        var nodes = [fixture.directory.path + "/fifo.wav"]
        #expect(mkfifo(nodes[0], 0o644) == 0)
        // makedev(1, 3), /dev/null's numbers; needs CAP_MKNOD.
        if mknod(fixture.directory.path + "/null.wav", S_IFCHR | 0o666, (1 << 8) | 3) == 0 { nodes.append(fixture.directory.path + "/null.wav") }
        try FileManager.default.createDirectory(atPath: fixture.directory.path + "/folder.wav", withIntermediateDirectories: false)
        nodes.append(fixture.directory.path + "/folder.wav")
        for node in nodes {
            let before = FileSystem.info(node)?.type
            let result = try await ChildProcess.run(Repository.executable, ["encode", input, node])
            #expect(result.status != 0 && result.stderr.contains("not a regular file"), "\(node): \(result.summary)")
            #expect(FileSystem.info(node)?.type == before && before != .regular, "\(node)")
        }
        // A regular file, or none, is written as before; no temporary is left.
        let plain = fixture.directory.path + "/out.wav"
        for _ in 0..<2 {
            let result = try await ChildProcess.run(Repository.executable, ["encode", input, plain])
            #expect(result.status == 0, "\(result.summary)")
        }
        #expect(FileSystem.info(plain)?.type == .regular)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.directory.path).filter { $0.hasPrefix(".") }.isEmpty)
    }
}
