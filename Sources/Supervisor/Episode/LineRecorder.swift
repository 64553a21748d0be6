import EngineProtocol
import Spool
import Synchronization

/// Where each line ran, kept beside its segments (`segments/line-00001.json`),
/// so result.json names the device of a line finished by an earlier attempt.
final class LineRecorder: Sendable {
    struct Record: Codable, Sendable {
        var engine: String
        var version: String
        var device: String
        var fallbackReason: String?

        enum CodingKeys: String, CodingKey {
            case engine, version, device
            case fallbackReason = "fallback_reason"
        }
    }

    private let folder: JobFolder
    private let written = Mutex<Set<Int>>([])

    init(folder: JobFolder) {
        self.folder = folder
    }

    static func file(_ line: Int) -> String { String(format: "segments/line-%05d.json", line + 1) }

    func record(_ line: Int, _ made: (EngineInfo, RunDevice)) {
        guard written.withLock({ $0.insert(line).inserted }) else { return }
        let record = Record(engine: made.0.name, version: made.0.version, device: made.1.name, fallbackReason: made.1.fallbackReason)
        // Only for result.json: a line without it shows its engine's name and "unknown".
        try? folder.write(record, to: Self.file(line))
    }

    static func read(_ line: Int, in folder: JobFolder) -> Record? {
        folder.read(Record.self, from: file(line))
    }
}
