import Basics
import AudioSpoolTestKit
import Foundation
import Spool
import Testing

/// state/events.jsonl: whole lines from concurrent writers, and rotation by size.
@Suite struct EventLogTests {
    @Test func concurrentWritersNeverInterleaveOrLoseLines() async throws {
        let directory = TemporaryDirectory()
        let log = EventLog(path: directory.file("events.jsonl"))
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for index in 0..<300 {
                        var event = SpoolEvent(job: "w\(writer)-\(index)", event: .progress)
                        // Long enough that a torn write would show.
                        event.message = String(repeating: "\(writer)", count: 3000)
                        #expect(log.append(event))
                    }
                }
            }
        }
        let lines = try String(contentsOfFile: log.path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1200)
        let jobs = lines.compactMap { try? JSONDecoder().decode(SpoolEvent.self, from: Data($0.utf8)).job }
        #expect(Set(jobs).count == 1200, "every line whole and present once")
        #expect(log.read().count == 1200)
    }

    @Test func aFullLogIsRotatedToDotOne() throws {
        let directory = TemporaryDirectory()
        let log = EventLog(path: directory.file("events.jsonl"), maxBytes: 4096)
        for index in 0..<100 { log.append(SpoolEvent(job: "job\(index)", event: .claimed)) }
        let current = try #require(FileManager.default.contents(atPath: log.path))
        let rotated = try #require(FileManager.default.contents(atPath: log.rotatedPath))
        #expect(current.count < 4096 + 200)
        #expect(rotated.count >= 4096)
        // The newest lines are in the current file; read() returns them last, in order.
        let read = log.read().map(\.job)
        #expect(read.last == "job99")
        #expect(read == read.sorted { Int($0.dropFirst(3))! < Int($1.dropFirst(3))! })
    }

    @Test func longMessagesAreCut() throws {
        let directory = TemporaryDirectory()
        let log = EventLog(path: directory.file("events.jsonl"))
        var event = SpoolEvent(job: "x", event: .failed)
        event.message = String(repeating: "a", count: 100_000)
        log.append(event)
        let read = try #require(log.read().first)
        let message = try #require(read.message, "the message is cut, not dropped")
        #expect(message.count > 1000 && message.count <= 2001)
    }

    /// The log's descriptor is kept open between lines: a rotation by
    /// another process, or the file removed, must send the next line to
    /// the file now at the path, not to the old one.
    @Test func aLineGoesToTheFileAtThePathAfterAnotherWriterMovedIt() throws {
        let directory = TemporaryDirectory()
        let log = EventLog(path: directory.file("events.jsonl"))
        #expect(log.append(SpoolEvent(job: "first", event: .claimed)))
        try FileManager.default.moveItem(atPath: log.path, toPath: log.rotatedPath)  // as another process's rotation
        #expect(log.append(SpoolEvent(job: "second", event: .claimed)))
        try FileManager.default.removeItem(atPath: log.path)
        #expect(log.append(SpoolEvent(job: "third", event: .claimed)))
        #expect(log.read().map(\.job) == ["first", "third"])
        let rotated = try String(contentsOfFile: log.rotatedPath, encoding: .utf8)
        #expect(rotated.contains("first") && !rotated.contains("second"))
    }

    /// Lines are the same bytes JSONEncoder.line(sortedKeys: true) wrote.
    @Test func aLineIsWhatJSONEncoderWrote() throws {
        let directory = TemporaryDirectory()
        let log = EventLog(path: directory.file("events.jsonl"))
        var event = SpoolEvent(job: "j/1", event: .failed)
        event.engine = "tone"
        event.attempt = 2
        event.seconds = 0.1234
        event.message = "a \"quoted\" line\nand more"
        log.append(event)
        let line = try String(contentsOfFile: log.path, encoding: .utf8)
        #expect(line == String(decoding: try JSONEncoder.line(sortedKeys: true).encode(event), as: UTF8.self) + "\n")
    }
}
