import AudioSpoolTestKit
import Foundation
import Glibc
import Spool
import Testing

/// A corpus of broken and hostile submissions (Tests/Fixtures/BadJobs, plus
/// what cannot live in git: FIFOs, devices, symlinks, huge files), dropped
/// among good jobs. Every bad one must end in failed/ with an error a
/// person can act on; the good ones must still run; the supervisor must
/// stay up and write nothing outside the spool.
@Suite(.timeLimit(.minutes(3))) struct HostileInputTests {
    static let corpus = Repository.root + "/Tests/Fixtures/BadJobs"

    @Test func everyBadSubmissionFailsClearlyAndTheRestRun() async throws {
        let engines = try EngineVariants()
        try engines.add("tone", from: Repository.engines + "/tone")
        try engines.add("echo-input", from: Repository.fixtureEngines + "/echo-input")
        let fixture = try SpoolFixture(
            engines: engines.path,
            config: ["separation_engine": "echo-input", "limits": ["max_text_chars": 10_000], "concurrency": 2])
        let spool = fixture.spool
        let outside = fixture.directory.write("outside/secret.txt", "not for jobs")
        var expected = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: Self.corpus + "/expected.json"))) as! [String: [String]]

        // The corpus in git, delivered the maildir way.
        for entry in expected.keys {
            let name = entry.hasSuffix("/") ? String(entry.dropLast()) : entry
            try FileManager.default.copyItem(atPath: Self.corpus + "/" + name, toPath: spool.tmp + "/" + name)
            try FileManager.default.moveItem(atPath: spool.tmp + "/" + name, toPath: spool.new + "/" + name)
        }
        // What git cannot hold, made here.
        func drop(_ name: String, _ data: Data, _ kind: String, _ message: String) throws {
            try fixture.drop(name, data)
            expected[name] = [kind, message]
        }
        try drop("deeply-nested.json", Data(("{\"engine\": \"tone\", \"metadata\": " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}").utf8), "bad_input", "more than 64 levels deep")
        try drop("huge.json", Data(("{\"engine\": \"tone\", \"metadata\": \"" + String(repeating: "x", count: 2 << 20) + "\"}").utf8), "bad_input", "over the limit of 1048576")
        try drop("text-over-limit.json", Data(("{\"engine\": \"tone\", \"task\": \"tts\", \"text\": \"" + String(repeating: "word ", count: 4000) + "\"}").utf8), "bad_input", "over the limit of 10000")
        try drop("huge-text.txt", Data(String(repeating: "word ", count: 4000).utf8), "bad_input", "over the limit of 10000")
        #expect(mkfifo(spool.new + "/fifo.json", 0o644) == 0)
        expected["fifo.json"] = ["bad_input", "is not a regular file (a FIFO, socket or device)"]
        try FileManager.default.createSymbolicLink(atPath: spool.new + "/link.json", withDestinationPath: outside)
        expected["link.json"] = ["bad_input", "is a symbolic link"]
        // makedev(1, 3), /dev/null's numbers; needs CAP_MKNOD, so only where allowed.
        if mknod(spool.new + "/device.json", S_IFCHR | 0o644, (1 << 8) | 3) == 0 {
            expected["device.json"] = ["bad_input", "is not a regular file (a FIFO, socket or device)"]
        }
        // A job folder whose text file is a symlink out of it, and one whose text file is a FIFO.
        for (name, make) in [("dir-symlink-escape", { (path: String) in try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: outside) }),
                             ("dir-fifo-text", { (path: String) in _ = mkfifo(path, 0o644) })] {
            let staging = spool.tmp + "/" + name
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
            try #"{"engine": "tone", "task": "tts", "text_file": "words.txt"}"#.write(toFile: staging + "/job.json", atomically: false, encoding: .utf8)
            try make(staging + "/words.txt")
            try FileManager.default.moveItem(atPath: staging, toPath: spool.new + "/" + name)
        }
        expected["dir-symlink-escape/"] = ["bad_input", "symbolic links in a job folder are never followed"]
        expected["dir-fifo-text/"] = ["bad_input", "is not a regular file"]

        // Good jobs among them, and odd but valid names.
        try fixture.drop("good.json", #"{"engine": "tone", "params": {"seconds": 0.1}}"#)
        try fixture.drop("dup.json", #"{"engine": "tone", "params": {"seconds": 0.1}}"#)
        try fixture.drop("dup.txt", "duplicate name")
        try fixture.drop("odd\nname.json", #"{"engine": "tone", "params": {"seconds": 0.1}}"#)
        let long = String(repeating: "l", count: 240)
        try fixture.drop(long + ".json", #"{"engine": "tone", "params": {"seconds": 0.1}}"#)
        try fixture.drop(".hidden.json", #"{"engine": "tone"}"#)
        #expect(expected.count >= 55)

        let run = try await fixture.runUntilIdle()
        #expect(run.status == 0, "\(run.summary)")

        for (entry, outcome) in expected {
            let id = Submission.stem(of: entry.hasSuffix("/") ? String(entry.dropLast()) : entry)
            guard let error = fixture.json(.failed, id, "error.json") else {
                Issue.record("\(entry) is not in failed/ (done: \(fixture.entries(.done).contains(id)))")
                continue
            }
            let reason = error["error"] as? [String: Any]
            #expect(reason?["kind"] as? String == outcome[0], "\(entry): \(reason ?? [:])")
            #expect((reason?["message"] as? String)?.contains(outcome[1]) == true, "\(entry): \(reason?["message"] ?? "")")
        }
        #expect(Set(fixture.entries(.done)).isSuperset(of: ["good", "dup", "dup-2", "odd_name", String(long.prefix(180))]), "\(fixture.entries(.done))")
        #expect(fixture.entries(.new) == [], "only the dot file may stay, and entries() hides it")
        #expect(FileManager.default.fileExists(atPath: spool.new + "/.hidden.json"))
        #expect(fixture.entries(.cur).isEmpty)
        // Nothing was written outside the spool.
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.directory.path).sorted() == ["outside", "spool"])
        #expect(try String(contentsOfFile: outside, encoding: .utf8) == "not for jobs")
    }
}
