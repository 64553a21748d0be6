import AudioSpoolTestKit
import Basics
import Foundation
import Glibc
import Spool
import Testing

/// Tests/Fixtures/Hostile (its README has the format): hostile job folders
/// and CLI calls, run in one batch against one supervisor that must stay up
/// throughout and still serve a good job at the end. A victim file and
/// folder outside the spool must come through untouched, and no output may
/// carry the victim's audio.
@Suite(.timeLimit(.minutes(5))) struct HostileCorpusTests {
    static let corpus = Repository.root + "/Tests/Fixtures/Hostile"
    static let victimPitch = 1234.0

    struct Expect: Decodable {
        var state: String
        var kind: String?
        var messageContains: String?
        var attempts: Int?

        enum CodingKeys: String, CodingKey {
            case state, kind, attempts
            case messageContains = "message_contains"
        }
    }

    struct Plant: Decodable {
        var path: String
        var type: String
        var target: String?
        var contents: String?
    }

    struct CLICall: Decodable {
        var args: [String]
        var exit: Int32
        var stderrContains: String?

        enum CodingKeys: String, CodingKey {
            case args, exit
            case stderrContains = "stderr_contains"
        }
    }

    /// Placeholders a case may use in plant targets and CLI arguments.
    struct Places {
        let spool: String
        let engines: String
        let victim: String
        let scratch: String

        func expand(_ text: String) -> String {
            text.replacingOccurrences(of: "$VICTIM_FOLDER", with: victim)
                .replacingOccurrences(of: "$VICTIM_WAV", with: victim + "/private.wav")
                .replacingOccurrences(of: "$VICTIM_TEXT", with: victim + "/secret.txt")
                .replacingOccurrences(of: "$SPOOL", with: spool)
                .replacingOccurrences(of: "$ENGINES", with: engines)
                .replacingOccurrences(of: "$SCRATCH", with: scratch)
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    func plant(_ entries: [Plant], in folder: String, places: Places) throws {
        for entry in entries {
            let path = folder + "/" + entry.path
            let parent = (path as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            switch entry.type {
            case "symlink": try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: places.expand(entry.target ?? ""))
            case "fifo": #expect(mkfifo(path, 0o644) == 0, "\(path)")
            case "folder": try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            case "file": try Data(places.expand(entry.contents ?? "").utf8).write(to: URL(fileURLWithPath: path))
            // makedev(1, 3), /dev/null's numbers; needs CAP_MKNOD, else a FIFO stands in.
            case "device": if mknod(path, S_IFCHR | 0o666, (1 << 8) | 3) != 0 { #expect(mkfifo(path, 0o644) == 0) }
            default: Issue.record("unknown plant type \(entry.type) for \(path)")
            }
        }
    }

    @Test func theCorpusRunsInOneBatchAndTheSupervisorStaysUp() async throws {
        let fixture = try SpoolFixture(config: ["concurrency": 2])
        let spool = fixture.spool
        let victim = fixture.directory.path + "/victim"
        try FileManager.default.createDirectory(atPath: victim, withIntermediateDirectories: true)
        try TestSignals.sine(victim + "/private.wav", frequency: Self.victimPitch, rate: 22050, channels: 1, seconds: 0.5)
        _ = fixture.directory.write("victim/secret.txt", "not for jobs")
        let victimDigest = try await sha256(victim + "/private.wav")
        let scratch = fixture.directory.path + "/scratch"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let places = Places(spool: spool.root, engines: fixture.engines, victim: victim, scratch: scratch)

        let cases = try FileManager.default.contentsOfDirectory(atPath: Self.corpus).filter {
            FileSystem.isDirectory(Self.corpus + "/" + $0)
        }.sorted()
        #expect(cases.count >= 20, "\(cases)")
        let supervisor = try await fixture.startSupervisor()
        var jobs: [String: Expect] = [:]
        var calls: [String: CLICall] = [:]
        for name in cases {
            let folder = Self.corpus + "/" + name
            let plants = FileSystem.exists(folder + "/plant.json") ? try decode([Plant].self, folder + "/plant.json") : []
            if FileSystem.exists(folder + "/cli.json") {
                try plant(plants, in: scratch, places: places)
                calls[name] = try decode(CLICall.self, folder + "/cli.json")
                continue
            }
            jobs[name] = try decode(Expect.self, folder + "/expect.json")
            let staging = spool.tmp + "/" + name
            if FileSystem.isDirectory(folder + "/job") {
                try FileManager.default.copyItem(atPath: folder + "/job", toPath: staging)
                // git cannot hold an empty folder: a README.txt stands in, and goes.
                try? FileManager.default.removeItem(atPath: staging + "/README.txt")
                try plant(plants, in: staging, places: places)
                #expect(rename(staging, spool.path(of: .new, name)) == 0)
            } else {
                try FileManager.default.copyItem(atPath: folder + "/job.json", toPath: staging)
                #expect(rename(staging, spool.path(of: .new, name + ".json")) == 0)
            }
        }
        for (name, call) in calls.sorted(by: { $0.key < $1.key }) {
            let result = try await ChildProcess.run(Repository.executable, call.args.map(places.expand))
            #expect(result.status == call.exit, "\(name): \(result.summary)")
            if let text = call.stderrContains { #expect(result.stderr.contains(text), "\(name): \(result.summary)") }
        }

        try await waitUntil("every hostile job is finished", timeout: .seconds(120)) {
            jobs.keys.allSatisfy { FileSystem.exists(spool.path(of: .done, $0)) || FileSystem.exists(spool.path(of: .failed, $0)) }
        }
        for (name, expect) in jobs.sorted(by: { $0.key < $1.key }) {
            let state = FileSystem.exists(spool.path(of: .done, name)) ? "done" : "failed"
            #expect(state == expect.state, "\(name): \(String(describing: fixture.json(.failed, name, "error.json")?["error"]))")
            let folder = spool.path(of: state == "done" ? .done : .failed, name)
            if state == "failed", let document = fixture.json(.failed, name, "error.json") {
                let reason = document["error"] as? [String: Any]
                if let kind = expect.kind { #expect(reason?["kind"] as? String == kind, "\(name): \(reason ?? [:])") }
                if let text = expect.messageContains { #expect((reason?["message"] as? String)?.contains(text) == true, "\(name): \(reason ?? [:])") }
            }
            if state == "done", let attempts = expect.attempts {
                #expect(fixture.json(.done, name, "result.json")?["attempts"] as? Int == attempts, "\(name)")
            }
            // What the supervisor wrote is real; nothing is left under its internal names.
            let names = try FileManager.default.contentsOfDirectory(atPath: folder)
            for file in ["result.json", "error.json"] where names.contains(file) {
                #expect(FileSystem.info(folder + "/" + file)?.type == .regular, "\(name)/\(file)")
            }
            #expect(!names.contains { ["status.json", "owner.json", "attempts.json", "work", "segments"].contains($0) || $0.hasPrefix(".") }, "\(name): \(names)")
            for file in names where state == "done" && file.hasPrefix("output") {
                let path = folder + "/" + file
                #expect(FileSystem.info(path)?.type == .regular, "\(path)")
                #expect(abs(try Audio(path).frequency - Self.victimPitch) > 50, "\(path) carries the victim's audio")
            }
        }

        // The victim, and everything outside the spool, came through untouched.
        #expect(try await sha256(victim + "/private.wav") == victimDigest)
        #expect(try String(contentsOfFile: victim + "/secret.txt", encoding: .utf8) == "not for jobs")
        #expect(try FileManager.default.contentsOfDirectory(atPath: victim).sorted() == ["private.wav", "secret.txt"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.directory.path).sorted() == ["scratch", "spool", "victim"])

        // Still up, and still serving.
        try fixture.drop("good-after.json", #"{"engine": "tone", "params": {"seconds": 0.1}}"#)
        try await fixture.waitFor("good-after", in: .done, timeout: .seconds(60))
        #expect(kill(try #require(supervisor.pid), 0) == 0, "the supervisor is still running")
        supervisor.signal(SIGTERM)
        let exit = await supervisor.wait()
        #expect(exit.status == 0, "\(exit.summary)")
    }
}
