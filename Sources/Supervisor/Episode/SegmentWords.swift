import Basics
import EngineProtocol
import Spool

/// The words an engine timed in one kept segment, `segments/00001.words.json`
/// beside `segments/00001.wav`: a segment finished by an earlier attempt is
/// subtitled by the word as well as one made now.
enum SegmentWords {
    static func file(_ index: Int) -> String {
        String(format: "segments/%05d.words.json", index + 1)
    }

    /// Written before the segment's WAV is renamed into place, so a kept
    /// segment's words are never those of an earlier run of it; a run that
    /// timed no words removes any such leftover.
    static func keep(_ words: [WordTiming]?, segment index: Int, in folder: JobFolder, durable: Bool) throws(JobError) {
        try JobError.storage { () throws(FileSystemError) in
            if let words, !words.isEmpty {
                try folder.write(words, to: file(index), durable: durable)
            } else {
                try folder.directory().remove(file(index))
            }
        }
    }

    /// nil when the engine timed none (or the file is not what `keep` writes).
    static func read(segment index: Int, in folder: JobFolder) -> [WordTiming]? {
        folder.read([WordTiming].self, from: file(index))
    }
}
