import ArgumentParser
import Foundation
import Spool

struct Clean: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove finished jobs past their retention from done/ and failed/, now.",
        discussion: """
            The retention comes from config.json (done_retention_days, failed_retention_days; 0
            keeps jobs for ever) unless given here. A running supervisor does the same every hour.
            """)

    @OptionGroup var spool: SpoolOptions

    @Flag(help: "Only print what would be removed.")
    var dryRun = false

    @Option(help: "Days to keep done jobs (default: config.json's done_retention_days).")
    var doneDays: Double?

    @Option(help: "Days to keep failed jobs (default: config.json's failed_retention_days).")
    var failedDays: Double?

    func run() throws {
        let spool = spool.resolvedSpool
        let config: SpoolConfig
        do {
            config = try spool.loadConfig()
        } catch {
            throw ValidationError(error.message)
        }
        let expired = spool.expiredJobs(doneDays: doneDays ?? config.doneRetentionDays, failedDays: failedDays ?? config.failedRetentionDays)
        var failed = false
        for job in expired {
            let name = "\(job.folder.rawValue)/\(job.id)"
            let age = String(format: "%.1f days old", job.age / 86400)
            if dryRun {
                print("would remove \(name) (\(age))")
                continue
            }
            do {
                try spool.remove(job)
                print("removed \(name) (\(age))")
            } catch {
                FileHandle.standardError.write(Data("cannot remove \(name): \(error)\n".utf8))
                failed = true
            }
        }
        print("\(expired.count) job(s) \(dryRun ? "would be removed" : "removed")")
        if failed { throw ExitCode(1) }
    }
}
