import AudioCodec
import Basics
import EngineHost
import EngineProtocol
import Spool

/// Why an attempt at a job failed, classified (PROTOCOL.md "Error kinds").
struct JobError: Error, Sendable, Equatable {
    var kind: ErrorKind
    var message: String

    init(_ kind: ErrorKind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    init(_ error: EngineError) {
        self.init(error.kind, error.message)
    }

    init(_ error: DocumentError) {
        self.init(.badInput, error.message)
    }

    /// A file-system error in the job's own folder: the spool's disk, not
    /// the job, is at fault, so another attempt may succeed.
    init(storage error: FileSystemError) {
        self.init(.transient, "cannot write the job's files: \(error)")
    }

    init(encoding error: AudioError, output: String) {
        switch error.kind {
        case .unreadableInput:
            self.init(.internal, "the engine's output \(output) is not readable audio: \(error.message)")
        case .unsupportedSettings:
            self.init(.unsupported, error.message)
        case .writeFailed:
            self.init(.transient, "encoding \(output) failed: \(error.message)")
        }
    }

    var reason: JobFailure.Reason {
        JobFailure.Reason(kind: kind, message: message)
    }
}
