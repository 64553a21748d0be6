import AudioSpoolTestKit
import Basics
import Foundation
import Glibc
import Spool
import Testing

/// An idle supervisor does not read its finished jobs: its counts of done/
/// and failed/ are kept as jobs move, so however many a spool holds, idling
/// over them costs nothing (issue: idle cost grew with done/).
@Suite(.timeLimit(.minutes(3))) struct IdleSupervisorTests {
    @Test func anIdleSupervisorListsNeitherDoneNorFailed() async throws {
        let fixture = try SpoolFixture()
        for index in 0..<40 {
            try FileManager.default.createDirectory(atPath: fixture.spool.path(of: .done, "old\(index)"), withIntermediateDirectories: false)
        }
        try FileManager.default.createDirectory(atPath: fixture.spool.path(of: .failed, "bad"), withIntermediateDirectories: false)
        let ok = try await fixture.submit("--engine", "tone", "--param", "seconds=0.2", "--format", "wav")
        _ = try await fixture.startSupervisor()
        try await waitUntil("the job is done", timeout: .seconds(60)) { fixture.entries(.done).contains(ok) }
        let supervisorFile = fixture.spool.state.supervisorFile
        func counts() -> [String: Int]? {
            guard let data = FileManager.default.contents(atPath: supervisorFile),
                  let state = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
            return state["counts"] as? [String: Int]
        }
        // The kept counts agree with the folders, after a job moved.
        try await waitUntil("supervisor.json counts the finished job", timeout: .seconds(10)) {
            counts() == ["new": 0, "cur": 0, "done": 41, "failed": 1]
        }

        // inotify reports every open of a watched folder, and a listing opens it.
        let watcher = try await ChildProcess.start(
            "/usr/bin/inotifywait", ["-m", "-q", "-e", "open", "--format", "%w %e", fixture.spool.done, fixture.spool.failed])
        try await waitUntil("inotifywait watches done/ and failed/") {
            guard let pid = watcher.pid, let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fdinfo") else { return false }
            return fds.contains { (try? String(contentsOfFile: "/proc/\(pid)/fdinfo/\($0)", encoding: .utf8))?.components(separatedBy: "inotify wd:").count == 3 }
        }
        let windowStart = try #require(FileSystem.info(supervisorFile)).modified
        try await Task.sleep(for: .seconds(10))
        watcher.signal(SIGTERM)
        let opened = await watcher.wait().stdout
        #expect(opened.isEmpty, "the idle supervisor opened its finished jobs' folders:\n\(opened)")
        // It was not asleep: it kept publishing meanwhile.
        #expect(try #require(FileSystem.info(supervisorFile)).modified > windowStart.addingTimeInterval(5))
    }
}
