import Basics
import EngineProtocol
import Foundation
import OutputEncoding
import Spool
import Supervisor
import Testing

/// SPOOL.md is the contract for the files; these tests keep it true.
@Suite struct SpoolDocumentTests {
    let document: Markdown

    init() throws {
        document = try Markdown("SPOOL.md")
    }

    @Test func theFoldersAreTheSpoolsFolders() {
        let spool = Spool(root: "/s")
        let actual = Set([spool.tmp, spool.new, spool.cur, spool.done, spool.failed, spool.state.path, spool.cancel, spool.voices].map { String($0.dropFirst(3)) + "/" })
        #expect(document.names(after: "Folders") == actual)
    }

    @Test func theVoicesTableNamesTheReference() {
        let bank = Spool(root: "/s").voiceBank
        let reference = bank.folder(engine: "<engine>", voice: "<name>").dropFirst(3) + "/" + VoiceBank.referenceName
        #expect(document.names(after: "Voices").contains(String(reference)))
    }

    @Test func theStateTableIsTheStateType() {
        let state = Spool(root: "/s").state
        let paths = [
            state.host("<host>").supervisorFile, state.host("<host>").metricsFile, state.host("<host>").eventsFile,
            state.host("<host>").log(engine: "<engine>"),
            state.resultIndex.file(key: "<key>"), state.resultIndex.runningMark(key: "<key>"), state.carried(inode: 0).replacingOccurrences(of: "/0.json", with: "/<inode>.json"),
            state.planted + "/", state.engineRecord(host: "<host>", pid: 0).replacingOccurrences(of: "-0.json", with: "-<pid>.json"),
            state.leases(host: "<host>") + "/",
            state.webhookSecretFile, state.webhook(id: "<id>"), state.webhookSenderLock,
        ]
        #expect(paths.allSatisfy { $0.hasPrefix(state.path + "/") })
        #expect(document.names(after: "The supervisors' own files: `state/`") == Set(paths.map { String($0.dropFirst(state.path.count + 1)) }))
    }

    @Test func theJobSchemaIsWhatTheParserAccepts() {
        let documented = document.names(after: "Job schema: job.json")
        let accepted = knownFields({ _ = try JobSpec.parse($0) }, base: #"{"engine": "x"}"#)
        #expect(!accepted.isEmpty)
        #expect(documented == accepted)
    }

    /// The episode examples of SPOOL.md and the README are jobs the parser takes.
    @Test func theScriptExamplesAreJobs() throws {
        let readme = try Markdown("README.md")
        for (name, text) in [("SPOOL.md", document.section("Scripts and chapters")), ("README.md", readme.section("Using it"))] {
            let blocks = text.components(separatedBy: "```json\n").dropFirst().map { $0.components(separatedBy: "\n```")[0] }
            let episodes = blocks.filter { $0.contains("\"chapters\"") }
            #expect(!episodes.isEmpty, "\(name) shows an episode")
            for block in episodes {
                let spec = try JobSpec.parse(Data(block.utf8))
                #expect(spec.chapters?.count == 2, "\(name)")
            }
        }
    }

    @Test func theOutputFieldsAreWhatTheParserAccepts() {
        let accepted = knownFields({ _ = try JobSpec.parse(Data(#"{"engine": "x", "output": \#(String(decoding: $0, as: UTF8.self))}"#.utf8)) }, base: "{}")
        #expect(!accepted.isEmpty)
        #expect(document.names(after: "Output fields") == accepted)
    }

    @Test func theOutputFormatsAreWhatTheParserAccepts() {
        let row = document.table(after: "Output fields").first { $0[0] == "`format`" }?[1] ?? ""
        let values = row.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }
        // The values come first in the cell, before its explanation's own `names`.
        let formats = Set(values.prefix(OutputSpec.Format.allCases.count).map { String($0.element) })
        #expect(formats == Set(OutputSpec.Format.allCases.map(\.rawValue)))
    }

    @Test func theConfigFieldsAreWhatTheParserAccepts() {
        let accepted = knownFields({ _ = try SpoolConfig.parse($0) }, base: "{}")
        #expect(!accepted.isEmpty)
        #expect(document.names(after: "config.json") == accepted)
    }

    @Test func theStatusFieldsAreWhatIsWritten() throws {
        var status = JobStatus(id: "x", state: .running, engine: "tone", attempt: 1, startedAt: "t")
        status.device = "cpu"
        status.fallbackReason = "no free GPU slot"
        status.segmentsDone = 1
        status.segmentsTotal = 2
        status.message = "m"
        status.etaSeconds = 1
        status.segments = JobStatus.SegmentCounts()
        status.chapters = [JobStatus.ChapterCounts(title: "t", segments: JobStatus.SegmentCounts())]
        #expect(document.names(after: "status.json fields") == (try keys(of: status)))
        let states = Set(document.table(after: "status.json fields").first { $0[0] == "`state`" }?[1]
            .split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) } ?? [])
        #expect(states == ["starting", "running", "encoding"])
    }

    @Test func theResultFieldsAreWhatIsWritten() throws {
        let result = JobResult(
            id: "x", engine: .init(name: "tone", version: "1"), task: "tone", device: "cpu", attempts: 1,
            timings: .init(claimedAt: "a", finishedAt: "b", engineSeconds: 1, encodeSeconds: 1, totalSeconds: 2),
            outputs: [], metadata: .null)
        var withCache = result
        withCache.cachedFrom = "y"
        withCache.idempotencyKey = "k"
        withCache.fallbackReason = "no free GPU slot"
        withCache.details = ["oom_retries": .number(0)]
        withCache.lines = [JobResult.Line(chapter: 1, line: 1, engine: "tone", device: "cpu", fallbackReason: nil, segments: 1, startSeconds: 0)]
        withCache.chapters = [JobResult.ChapterEntry(title: "t", startSeconds: 0, durationSeconds: 1)]
        withCache.subtitles = [JobResult.SubtitleFile(path: "output.srt", format: "srt", cues: 1, bytes: 1, sha256: "s")]
        var documented = document.names(after: "done/<id>/result.json fields")
        #expect(documented.remove("metadata") != nil)
        #expect(documented == (try keys(of: withCache)).subtracting(["metadata"]))
        let timings = document.table(after: "done/<id>/result.json fields").first { $0[0] == "`timings`" }?[1] ?? ""
        for key in try keys(of: result.timings) { #expect(timings.contains("`\(key)`"), "\(key)") }
        let outputs = document.table(after: "done/<id>/result.json fields").first { $0[0] == "`outputs`" }?[1] ?? ""
        var output = JobResult.Output(path: "p", name: "n", format: "wav", sampleRate: 1, channels: 1, durationSeconds: 1, bytes: 1, sha256: "s")
        output.loudnessLUFS = -16
        output.truePeakDB = -1
        output.loudnessRangeLU = 3
        output.rmsDB = -19
        output.peakDB = -1.2
        output.limiterMaxDB = 4
        output.chapter = 1
        for key in try keys(of: output) { #expect(outputs.contains("`\(key)`"), "\(key)") }
    }

    @Test func theLoudnessPresetsAreTheEncodersTargets() throws {
        let rows = document.table(after: "Loudness normalisation")
        #expect(Set(rows.map { $0[0].replacingOccurrences(of: "`", with: "") }) == Set(OutputSpec.LoudnessPreset.allCases.map(\.rawValue)))
        // The first number of the target and of the ceiling cells.
        func number(_ cell: String) -> Double? {
            let text = cell.replacingOccurrences(of: "−", with: "-")
            guard let range = text.range(of: #"-?[0-9]+(\.[0-9]+)?"#, options: .regularExpression) else { return nil }
            return Double(text[range])
        }
        for row in rows {
            var spec = OutputSpec()
            spec.loudnessPreset = OutputSpec.LoudnessPreset(rawValue: row[0].replacingOccurrences(of: "`", with: ""))
            let target = try #require(spec.encoderSettings.loudness, "\(row[0])")
            #expect(number(row[1]) == target.level, "\(row[0])")
            #expect(number(row[2]) == target.truePeakDB, "\(row[0])")
        }
    }

    @Test func theErrorFieldsAreWhatIsWritten() throws {
        var failure = JobFailure(
            id: "x", error: .init(kind: .badInput, message: "m"), attempts: 0, history: [], engine: "tone", failedAt: "t",
            metadata: .string("m"))
        failure.poison = true
        failure.line = JobFailure.FailedLine(
            chapter: 1, chapterTitle: "t", line: 1, field: "script[0]", engine: "tone", segment: 1, text: "a", segmentsKept: 0)
        #expect(document.names(after: "failed/<id>/error.json fields") == (try keys(of: failure)))
    }

    @Test func theJobFolderFilesAreTheReservedNames() {
        let documented = document.names(after: "A running job: `cur/<id>/`")
        // Folders are written with a slash in the document.
        let folders: Set = ["work", "segments"]
        let reserved = Set(JobFolder.reservedNames.subtracting(["result.json", "error.json"]).map { folders.contains($0) ? $0 + "/" : $0 })
        #expect(documented.subtracting(["job.json"]) == reserved)
    }

    @Test func whatASubmitterControlsNamesEveryReservedNameAndTemporary() {
        let section = document.section("What a submitter controls")
        let folders: Set = ["work", "segments"]
        for name in JobFolderNames.supervisorEntries {
            #expect(section.contains("`\(folders.contains(name) ? name + "/" : name)`"), "\(name)")
        }
        for mark in JobFolderNames.temporaryMarks {
            #expect(section.contains("`.*\(mark)*`"), "\(mark)")
        }
    }

    @Test func theSupervisorFieldsAreWhatIsWritten() throws {
        var state = SupervisorState(version: "1", startedAt: "t")
        state.watch = WatchMode.poll.resolve(at: "/", intervalMilliseconds: 250)
        state.enginesOnly = ["piper"]
        var engine = SupervisorState.Engine(name: "tone", state: "idle", maxInstances: 2)
        engine.device = "cpu"
        engine.voices = ["v"]
        engine.instances = [.init(id: 1, state: "idle", device: "cpu", busy: 0, served: 1)]
        state.engines = [engine]
        #expect(document.names(after: "/supervisor.json fields") == (try keys(of: state)))
        let watch = document.table(after: "/supervisor.json fields").first { $0[0] == "`watch`" }?[1] ?? ""
        for key in try keys(of: state.watch!) { #expect(watch.contains("`\(key)`"), "\(key)") }
        let engines = document.table(after: "/supervisor.json fields").first { $0[0] == "`engines`" }?[1] ?? ""
        for key in try keys(of: engine).union(try keys(of: engine.instances[0])) {
            #expect(engines.contains("`\(key)`"), "\(key)")
        }
    }

    @Test func theEventFieldsAndKindsAreWhatIsWritten() throws {
        var event = SpoolEvent(job: "x", event: .retried)
        event.engine = "tone"
        event.attempt = 1
        event.progress = 0.5
        event.kind = "transient"
        event.message = "m"
        event.retryAt = "t"
        event.seconds = 1
        event.entry = "x-2"
        event.webhook = "msg_x"
        event.httpStatus = 500
        #expect(document.names(after: "/events.jsonl fields") == (try keys(of: event)))
        #expect(document.names(after: "Event kinds") == Set(SpoolEvent.Kind.allCases.map(\.rawValue)))
    }

    @Test func theRetriedKindsAreTheRetryableOnes() throws {
        let paragraph = document.paragraph(after: "Error kinds and retries")
        let retried = try #require(paragraph.components(separatedBy: "are retried").first)
        for kind in ErrorKind.allCases {
            #expect(retried.contains("`\(kind.rawValue)`") == kind.isRetryable, "\(kind)")
        }
    }
}
