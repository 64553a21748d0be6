import AudioCodec
import Basics
import EngineHost
import EngineProtocol
import Spool

/// Why an attempt at a job failed, classified (PROTOCOL.md "Error kinds").
struct JobError: Error, Sendable, Equatable {
    var kind: ErrorKind
    var message: String
    /// A script's line whose segment failed for good (error.json's `line`).
    var line: JobFailure.FailedLine? = nil
    /// Its segment was already retried `max_attempts` times: the job is not.
    var exhausted = false

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

extension JobError {
    /// Runs a step on the job's files; a file-system error becomes the
    /// storage error above (`transient`: the disk, not the job, is at fault).
    static func storage<T>(_ step: () throws(FileSystemError) -> T) throws(JobError) -> T {
        do {
            return try step()
        } catch {
            throw JobError(storage: error)
        }
    }
}

extension Task where Success == Never, Failure == Never {
    /// Throws `error` if the current task is cancelled (a typed-throws
    /// friendly `checkCancellation`).
    static func checkCancellation(or error: JobError) throws(JobError) {
        if Task.isCancelled { throw error }
    }
}
