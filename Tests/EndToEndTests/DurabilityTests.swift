import AudioSpoolTestKit
import Foundation
import Glibc
import Spool
import Testing

/// SPOOL.md, "Crashes and power loss": the order of fsyncs and renames
/// `submit` and a job's completion make, as strace sees them, and none at
/// all with `durable: false`.
@Suite(.timeLimit(.minutes(3))) struct DurabilityTests {
    typealias Call = SyscallTrace.Call

    /// `audiospool submit` under strace, without an engines folder (the
    /// supervisor checks the job; submit only delivers it).
    private func tracedSubmit(_ fixture: SpoolFixture, _ arguments: [String]) async throws -> (SyscallTrace, String) {
        let (trace, result) = try await SyscallTrace.run(
            Repository.executable, ["submit"] + arguments + ["--spool", fixture.spool.root],
            environment: ["AUDIOSPOOL_ENGINES": fixture.directory.file("no-engines")], in: fixture.directory)
        try #require(result.status == 0, "\(result.summary)")
        return (trace, result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func submitSyncsTheJobThenRenamesThenSyncsNew() async throws {
        let fixture = try SpoolFixture(config: ["durable": true])
        let spool = fixture.spool
        let (trace, id) = try await tracedSubmit(fixture, ["--engine", "tone", "--param", "seconds=0.1"])
        let rename = try trace.first("the rename into new/") { $0.to == spool.path(of: .new, id + ".json") }
        guard case .rename(let staging, _) = trace.calls[rename] else { return }
        #expect(staging.hasPrefix(spool.tmp + "/"))
        _ = try trace.last("the fsync of the staged job", before: rename) { $0 == .sync(staging) }
        _ = try trace.first("the fsync of new/", after: rename) { $0 == .sync(spool.new) }

        // A job folder: every input and job.json, then the folder, then the rename, then new/.
        let input = fixture.directory.write("voice.wav", "not really audio; submit copies it as it is")
        let (folderTrace, folderID) = try await tracedSubmit(fixture, ["--engine", "tone", "--input", "reference=" + input])
        let folderRename = try folderTrace.first("the rename of the job folder into new/") { $0.to == spool.path(of: .new, folderID) }
        let folder = try #require(folderTrace.calls[folderRename].from)
        for name in ["reference.wav", "job.json"] {
            _ = try folderTrace.last("the fsync of \(name)", before: folderRename) { $0 == .sync(folder + "/" + name) }
        }
        let folderSync = try folderTrace.last("the fsync of the staged folder", before: folderRename) { $0 == .sync(folder) }
        _ = try folderTrace.last("the fsync of job.json, before its folder's", before: folderSync) { $0 == .sync(folder + "/job.json") }
        _ = try folderTrace.first("the fsync of new/", after: folderRename) { $0 == .sync(spool.new) }
    }

    /// `serve`'s uploads are delivered by submit's code, with its fsyncs:
    /// each uploaded file and job.json, then the folder, the rename, new/.
    @Test func serveSyncsAnUploadLikeSubmit() async throws {
        let fixture = try SpoolFixture(config: ["durable": true])
        let spool = fixture.spool
        let output = fixture.directory.file("serve-strace.txt")
        // The port serve binds (READY=1 names it; one picked beforehand could be taken first).
        let notify = try NotifySocket(address: NotifySocket.uniqueAddress("audiospool-durable"))
        defer { notify.stop() }
        let strace = try await ChildProcess.start(
            "/usr/bin/strace",
            ["-f", "-qq", "-y", "-s", "4096", "-e", "trace=fsync,fdatasync,rename,renameat,renameat2", "-o", output,
             Repository.executable, "serve", "--spool", spool.root, "--engines", fixture.directory.file("no-engines"), "--listen", "127.0.0.1:0"],
            environment: ["NOTIFY_SOCKET": notify.address])
        try await waitUntil("serve listens", timeout: .seconds(60)) { notify.listeningPort != nil || strace.hasExited }
        let base = "http://127.0.0.1:\(try #require(notify.listeningPort, "serve did not start"))"
        try await waitUntilAsync("serve answers", timeout: .seconds(60)) {
            (try? await ChildProcess.run("/usr/bin/curl", ["-sf", base + "/healthz"]))?.status == 0
        }
        let input = fixture.directory.write("voice.wav", "not really audio; serve stores it as it came")
        let posted = try await ChildProcess.run(
            "/usr/bin/curl", ["-s", "-F", #"job={"engine": "tone", "inputs": {"reference": "refs/voice.wav"}}"#, "-F", "reference=@\(input)", base + "/v1/jobs"])
        let id = try #require((try? JSONSerialization.jsonObject(with: Data(posted.stdout.utf8)) as? [String: Any])?["id"] as? String, "\(posted.summary)")
        // serve is strace's child: stop it, and strace ends with it.
        let stracePID = try #require(strace.pid)
        let children = try String(contentsOfFile: "/proc/\(stracePID)/task/\(stracePID)/children", encoding: .utf8)
        let servePID = try #require(children.split(separator: " ").first.flatMap { Int32($0) })
        kill(servePID, SIGTERM)
        await strace.wait()

        let trace = SyscallTrace(parsing: try String(contentsOfFile: output, encoding: .utf8))
        let rename = try trace.first("the rename of the job folder into new/") { $0.to == spool.path(of: .new, id) }
        let folder = try #require(trace.calls[rename].from)
        #expect(folder.hasPrefix(spool.tmp + "/"))
        for name in ["refs/voice.wav", "job.json"] {
            _ = try trace.last("the fsync of \(name)", before: rename) { $0 == .sync(folder + "/" + name) }
        }
        let folderSync = try trace.last("the fsync of the staged folder", before: rename) { $0 == .sync(folder) }
        _ = try trace.last("the fsync of refs/, before the folder's", before: folderSync) { $0 == .sync(folder + "/refs") }
        _ = try trace.first("the fsync of new/", after: rename) { $0 == .sync(spool.new) }
        #expect(FileManager.default.contents(atPath: spool.path(of: .new, id) + "/refs/voice.wav") == FileManager.default.contents(atPath: input))
    }

    @Test func aResultIsSyncedBeforeItsRenameIntoDoneAndDoneAfter() async throws {
        let fixture = try SpoolFixture(config: ["durable": true])
        let spool = fixture.spool
        // MP3, so the output is encoded and renamed into place (an engine's
        // WAV that already is the output is linked, not renamed).
        let id = try await fixture.submit("--engine", "tone", "--param", "seconds=0.2", "--format", "mp3")
        let (trace, run) = try await SyscallTrace.run(
            Repository.executable, ["run", "--until-idle", "--spool", spool.root, "--engines", fixture.engines], in: fixture.directory)
        #expect(run.status == 0, "\(run.summary)")
        try #require(fixture.entries(.done) == [id])
        let cur = spool.path(of: .cur, id)
        let done = spool.path(of: .done, id)

        // The attempt is recorded (carried record, attempts.json) durably before the engine's output exists.
        let carried = try trace.first("the carried record's rename") { $0.to?.hasPrefix(spool.state.carried + "/") == true }
        _ = try trace.last("its fsync", before: carried) { $0 == .sync(trace.calls[carried].from!) }
        let carriedFolder = try trace.first("the fsync of state/carried/", after: carried) { $0 == .sync(spool.state.carried) }
        let attempts = try trace.first("attempts.json's rename", after: carriedFolder) { $0.to == cur + "/attempts.json" }
        _ = try trace.last("its fsync", before: attempts) { $0 == .sync(trace.calls[attempts].from!) }
        let attemptsFolder = try trace.first("the job folder's fsync after attempts.json", after: attempts) { $0 == .sync(cur) }

        // The output: renamed into place. Then the folder goes to the claim's
        // private name (fencing: SPOOL.md), where result.json is synced and
        // renamed, the output and the folder synced, and it is renamed into done/.
        let output = try trace.first("the output's rename", after: attemptsFolder) { $0.to == cur + "/output.mp3" }
        let privatePrefix = (cur as NSString).deletingLastPathComponent + "/."
        let take = try trace.first("the rename to the claim's private name", after: output) {
            $0.from == cur && $0.to?.hasPrefix(privatePrefix) == true
        }
        let finishing = try #require(trace.calls[take].to)
        let result = try trace.first("result.json's rename", after: take) { $0.to == finishing + "/result.json" }
        _ = try trace.last("result.json's fsync", before: result) { $0 == .sync(trace.calls[result].from!) }
        let final = try trace.first("the rename into done/", after: result) { $0 == .rename(from: finishing, to: done) }
        let outputSync = try trace.last("the output's fsync", before: final) { $0 == .sync(finishing + "/output.mp3") }
        #expect(outputSync > result || outputSync > take)
        let folderSync = try trace.last("the job folder's fsync", before: final) { $0 == .sync(finishing) }
        #expect(folderSync > result && folderSync > outputSync, "the folder is synced after the names it holds")
        let doneSync = try trace.first("the fsync of done/", after: final) { $0 == .sync(spool.done) }

        // The idempotency index, only once done/ is synced.
        // The entry itself (results/<key>), not the key's running mark (results/<key>.running).
        let index = try trace.first("the index entry's rename") { call in
            guard let to = call.to, to.hasPrefix(spool.state.results + "/") else { return false }
            return !to.dropFirst(spool.state.results.count + 1).contains(".")
        }
        #expect(index > doneSync, "the index is written after its job is durably in done/")
        _ = try trace.last("the index entry's fsync", before: index) { $0 == .sync(trace.calls[index].from!) }
        _ = try trace.first("the fsync of state/results/", after: index) { $0 == .sync(spool.state.results) }
    }

    @Test func durableFalseMakesNoFsync() async throws {
        let fixture = try SpoolFixture(config: ["durable": false])
        let spool = fixture.spool
        let (submitTrace, id) = try await tracedSubmit(fixture, ["--engine", "tone", "--param", "seconds=0.2", "--format", "wav"])
        #expect(submitTrace.syncs.isEmpty, "\(submitTrace.syncs)")
        #expect(submitTrace.calls.contains { $0.to == spool.path(of: .new, id + ".json") })
        let (trace, run) = try await SyscallTrace.run(
            Repository.executable, ["run", "--until-idle", "--spool", spool.root, "--engines", fixture.engines], in: fixture.directory)
        #expect(run.status == 0, "\(run.summary)")
        #expect(fixture.entries(.done) == [id])
        let privatePrefix = spool.path(of: .cur, ".")
        #expect(trace.calls.contains { $0.to == spool.path(of: .done, id) && $0.from?.hasPrefix(privatePrefix) == true })
        #expect(trace.syncs.isEmpty, "\(trace.syncs)")
    }
}

extension SyscallTrace.Call {
    var from: String? { if case .rename(let from, _) = self { from } else { nil } }
    var to: String? { if case .rename(_, let to) = self { to } else { nil } }
}
