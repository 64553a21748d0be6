import AudioCodec
import Basics
import EngineProtocol
import Foundation
import Logging
import Spool

extension JobRunner {
    /// Encodes the stitched episode: the joined outputs with chapter
    /// markers, one file per chapter where an output asks (`split`), the
    /// subtitles; and result.json's lines and chapters.
    func encodeEpisode(_ job: PreparedJob, plan: EpisodePlan, paths: [String], attempt: Attempt) throws(JobError) -> JobResult {
        let timeline = try conformSegments(job, paths: paths, pauses: plan.segments.map(\.pauseMilliseconds))
        let pauses = plan.segments.map(\.pauseMilliseconds)
        let all = 0..<plan.segments.count
        let starts = timeline.starts(all)
        let folder = job.folder
        func stitched(_ range: Range<Int>, name: String) -> EngineAudio {
            let segmentPaths = Array(paths[range])
            let gaps = timeline.gapSeconds(range, pauses: pauses)
            return EngineAudio(name: name, description: "\(range.count) segments") { () throws(AudioError) in
                try StitchedSource(segments: segmentPaths, gaps: gaps) { (name: String) throws(AudioError) in try Self.openAudio(name, in: folder) }
            }
        }
        let marks = plan.chapters.map { ChapterMark(title: $0.title, startSeconds: timeline.seconds(starts[$0.first])) }
        let joined = job.outputs.filter { $0.split != .chaptersOnly || plan.chapters.isEmpty }
        var outputs: [JobResult.Output] = []
        if !joined.isEmpty {
            var encoder = try OutputEncoder(folder: folder, outputs: joined)
            encoder.chapters = marks
            encoder.coverArt = job.coverArt
            outputs += try encoder.encode([stitched(all, name: "output")])
        }
        let split = job.outputs.filter { $0.split != nil }
        if !split.isEmpty, !plan.chapters.isEmpty {
            for (index, chapter) in plan.chapters.enumerated() {
                let name = String(format: "%02d-", index + 1) + Self.slug(chapter.title)
                var encoder = try OutputEncoder(folder: folder, outputs: split)
                encoder.coverArt = job.coverArt
                var files = try encoder.encode([stitched(chapter.range, name: name)])
                for file in files.indices { files[file].chapter = index + 1 }
                outputs += files
            }
        }
        let end = starts[all.count - 1] + timeline.frames[all.count - 1]
        let subtitles = try writeSubtitles(job, segments: timedSegments(job, plan: plan, timeline: timeline, attempt: attempt))
        let lines = plan.lines.indices.map { line -> JobResult.Line in
            let record = LineRecorder.read(line, in: folder)
            let segments = plan.segments(ofLine: line)
            return JobResult.Line(
                chapter: plan.lines[line].chapter.map { $0 + 1 }, line: plan.lines[line].number, engine: plan.lines[line].engine,
                device: record?.device ?? "unknown", fallbackReason: record?.fallbackReason, segments: segments.count,
                startSeconds: timeline.seconds(starts[segments.first ?? 0]).rounded(toPlaces: 4))
        }
        let chapters: [JobResult.ChapterEntry]? = plan.chapters.isEmpty ? nil : plan.chapters.enumerated().map { index, chapter in
            let next = index + 1 < plan.chapters.count ? starts[plan.chapters[index + 1].first] : end
            return JobResult.ChapterEntry(
                title: chapter.title, startSeconds: timeline.seconds(starts[chapter.first]).rounded(toPlaces: 4),
                durationSeconds: timeline.seconds(next - starts[chapter.first]).rounded(toPlaces: 4))
        }
        let first = LineRecorder.read(0, in: folder)
        var result = JobResult(
            id: job.id, engine: .init(name: job.manifest.name, version: first?.version ?? job.manifest.version), task: job.task,
            device: first?.device ?? "unknown", fallbackReason: first?.fallbackReason, attempts: attempt.number,
            timings: .init(claimedAt: "", finishedAt: "", engineSeconds: 0, encodeSeconds: 0, totalSeconds: 0),
            outputs: outputs, metadata: job.spec.metadata)
        result.lines = lines
        result.chapters = chapters
        result.subtitles = subtitles.isEmpty ? nil : subtitles
        return result
    }

    /// Segments of engines that speak at different rates or channel counts
    /// are brought to one shape (the highest rate, the most channels) in
    /// place, before anything is timed, so the timeline is the audio's.
    private func conformSegments(_ job: PreparedJob, paths: [String], pauses: [Int]) throws(JobError) -> EpisodeTimeline {
        var shapes: [AudioProperties] = []
        for path in paths {
            do {
                shapes.append(try Self.openAudio(path, in: job.folder).properties)
            } catch {
                throw JobError(encoding: error, output: path)
            }
        }
        let rate = shapes.map(\.sampleRate).max() ?? 24000
        let channels = shapes.map(\.channels).max() ?? 1
        let segments = try JobError.storage { () throws(FileSystemError) in try job.folder.directory().directory("segments") }
        for (index, path) in paths.enumerated() where shapes[index].sampleRate != rate || shapes[index].channels != channels || shapes[index].frames == nil {
            let name = String(path.dropFirst("segments/".count))
            let conformed = name.replacingOccurrences(of: ".wav", with: ".conformed.wav")
            let folder = job.folder
            do {
                try? segments.remove(conformed)
                let written = try Transcoder().encode(
                    { () throws(AudioError) in try Self.openAudio(path, in: folder) },
                    to: [Transcoder.Output(
                        target: JobFolderOutput(folder: segments, name: conformed),
                        settings: EncoderSettings(format: .wav(.float32), sampleRate: rate, channels: channels))])
                try JobError.storage { () throws(FileSystemError) in try segments.rename(conformed, to: name) }
                shapes[index] = written[0].properties
            } catch let error as AudioError {
                throw JobError(encoding: error, output: path)
            } catch let error as JobError {
                throw error
            } catch {
                throw JobError(.internal, "\(error)")
            }
        }
        return EpisodeTimeline(sampleRate: rate, frames: shapes.map { $0.frames ?? 0 }, pausesMilliseconds: pauses)
    }

    /// Each segment where it lies in the stitched audio, with the words its
    /// engine timed in the job's own spelling (ShownWords); a segment whose
    /// words do not fit its audio or its text gets a sentence cue.
    private func timedSegments(_ job: PreparedJob, plan: EpisodePlan, timeline: EpisodeTimeline, attempt: Attempt) -> [TimedSegment] {
        guard !job.spec.subtitles.isEmpty else { return [] }
        let starts = timeline.starts(plan.segments.indices)
        return plan.segments.indices.map { index in
            let duration = timeline.seconds(timeline.frames[index])
            var segment = TimedSegment(start: timeline.seconds(starts[index]), duration: duration, text: plan.segments[index].shown)
            guard let words = SegmentWords.read(segment: index, in: job.folder) else { return segment }
            if let problem = words.problem(audioSeconds: duration) {
                attempt.logger.warning("a segment's word timings do not fit its audio; its cue is its sentence", metadata: ["segment": "\(index + 1)", "problem": "\(problem)"])
            } else if let shown = ShownWords.map(words, spoken: plan.segments[index].text, shown: plan.segments[index].shown) {
                segment.words = shown
            } else {
                attempt.logger.info("a segment's timed words are not its text's; its cue is its sentence", metadata: ["segment": "\(index + 1)"])
            }
            return segment
        }
    }

    private func writeSubtitles(_ job: PreparedJob, segments: [TimedSegment]) throws(JobError) -> [JobResult.SubtitleFile] {
        guard !job.spec.subtitles.isEmpty else { return [] }
        let cues = SubtitleWriter.cues(segments)
        let directory = try JobError.storage { () throws(FileSystemError) in try job.folder.directory() }
        // Beside the audio, never over a file the job brought.
        var taken = Set((try? directory.list()) ?? [])
        func name(_ stem: String, _ ext: String) -> String {
            let name = OutputEncoder.freeName(stem, extension: ext, taken: taken)
            taken.insert(name)
            return name
        }
        var documents: [(String, String, Data)] = job.spec.subtitles.map { format in
            switch format {
            case .srt: ("srt", name("output", "srt"), Data(SubtitleWriter.srt(cues).utf8))
            case .vtt: ("vtt", name("output", "vtt"), Data(SubtitleWriter.vtt(cues).utf8))
            }
        }
        if let words = try? SubtitleWriter.wordsDocument(segments) { documents.append(("words", name("words", "json"), words)) }
        var files: [JobResult.SubtitleFile] = []
        for (format, name, data) in documents {
            let digest = try JobError.storage { () throws(FileSystemError) in
                try directory.writeAtomically(data, to: name)
                return try FileDigest.sha256(of: name, in: directory)
            }
            // words.json's "cues" are its words.
            let count = format == "words" ? segments.reduce(0) { $0 + ($1.words?.count ?? 0) } : cues.count
            files.append(JobResult.SubtitleFile(path: name, format: format, cues: count, bytes: digest.bytes, sha256: digest.hex))
        }
        return files
    }

    /// A chapter's title as a file name: lowercase letters and digits, with `-` between words.
    static func slug(_ title: String) -> String {
        let folded = title.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased()
        var slug = ""
        for character in folded {
            if character.isASCII && (character.isLetter || character.isNumber) {
                slug.append(character)
            } else if !slug.isEmpty, slug.last != "-" {
                slug.append("-")
            }
        }
        while slug.last == "-" { slug.removeLast() }
        let short = String(slug.prefix(40))
        return short.hasSuffix("-") ? String(short.dropLast()) : (short.isEmpty ? "chapter" : short)
    }
}
