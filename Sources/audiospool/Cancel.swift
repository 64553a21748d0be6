import ArgumentParser
import Foundation
import Spool
import Webhooks

struct Cancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cancel jobs: a pending one is failed at once; a running one is stopped by its supervisor.",
        discussion: """
            A running job is cancelled through the spool: this drops a file named after it
            into cancel/, which its supervisor watches (so can you, without this command).
            The job ends in failed/ with the error kind "cancelled".
            """)

    @OptionGroup var spool: SpoolOptions

    @Argument(help: "Job ids.")
    var ids: [String]

    @Option(help: "Seconds to wait for a running job to stop (0: do not wait).")
    var wait: Double = 30

    func run() async throws {
        let spool = spool.resolvedSpool
        var failed = false
        for id in ids {
            do {
                try await cancel(id, in: spool)
            } catch let error as CancelError {
                FileHandle.standardError.write(Data("\(id): \(error.message)\n".utf8))
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }

    struct CancelError: Error {
        var message: String
    }

    private func cancel(_ id: String, in spool: Spool) async throws {
        if let problem = Spool.problem(withJobID: id) { throw CancelError(message: problem) }
        switch spool.locate(id) {
        case .new?:
            do {
                let config = (try? spool.loadConfig()) ?? SpoolConfig()
                if try spool.cancelPending(id, durable: config.durable) {
                    let webhooks = (try? config.section(WebhookSettings.self)) ?? WebhookSettings()
                    WebhookOutbox.jobCancelledBeforeRunning(id, in: spool, settings: webhooks, limits: config.limits)
                    print("\(id): cancelled before it ran (failed/\(id))")
                    return
                }
            } catch {
                throw CancelError(message: "cannot cancel: \(error)")
            }
            // Claimed meanwhile: it is running now.
            try await cancelRunning(id, in: spool)
        case .cur?:
            try await cancelRunning(id, in: spool)
        case .done?:
            throw CancelError(message: "already done")
        case .failed?:
            throw CancelError(message: "already failed")
        case nil:
            throw CancelError(message: "no such job in \(spool.root)")
        }
    }

    private func cancelRunning(_ id: String, in spool: Spool) async throws {
        do {
            try spool.requestCancel(id)
        } catch {
            throw CancelError(message: "cannot write the cancel request: \(error)")
        }
        guard wait > 0 else {
            print("\(id): cancel requested")
            return
        }
        let deadline = ContinuousClock.now + .seconds(wait)
        while ContinuousClock.now < deadline {
            switch spool.locate(id) {
            case .failed?:
                print("\(id): cancelled (failed/\(id))")
                return
            case .done?:
                throw CancelError(message: "finished before the cancel reached it")
            default:
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        throw CancelError(message: "cancel requested, but the job is still running after \(wait)s")
    }
}
