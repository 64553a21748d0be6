import ArgumentParser
import Foundation
import Spool

struct Retry: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move failed jobs back to new/ with a fresh attempt budget.")

    @OptionGroup var spool: SpoolOptions

    @Argument(help: "Ids of jobs in failed/.")
    var ids: [String]

    func run() throws {
        let spool = spool.resolvedSpool
        var missing = false
        for id in ids {
            if let problem = Spool.problem(withJobID: id) {
                FileHandle.standardError.write(Data("\(problem)\n".utf8))
                missing = true
                continue
            }
            do {
                let entry = try spool.retryFailed(id)
                print("\(id): back in new/\(entry)")
            } catch {
                FileHandle.standardError.write(Data("\(id): not in \(spool.path(of: .failed)) (\(error.errno))\n".utf8))
                missing = true
            }
        }
        if missing { throw ExitCode(1) }
    }
}
