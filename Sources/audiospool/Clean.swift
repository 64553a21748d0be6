import ArgumentParser
import Foundation
import Spool
import Supervisor

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

    // Unconditional: "-1" is a value to refuse plainly, not a missing one.
    @Option(parsing: .unconditional, help: "Days to keep done jobs, 0 to 36500 (default: config.json's done_retention_days).")
    var doneDays: Double?

    @Option(parsing: .unconditional, help: "Days to keep failed jobs, 0 to 36500 (default: config.json's failed_retention_days).")
    var failedDays: Double?

    func validate() throws {
        for (flag, days) in [("--done-days", doneDays), ("--failed-days", failedDays)] {
            guard let days else { continue }
            // Also refuses nan, which no comparison would catch later.
            guard (0...36500).contains(days) else { throw ValidationError("\(flag) must be a number of days from 0 to 36500, got \(days)") }
        }
    }

    func run() throws {
        let spool = try spool.existingSpool()
        let config: SpoolConfig
        do {
            config = try spool.loadConfig(checking: SpoolConfig.moduleSections)
        } catch {
            throw CommandFailure(error.message)
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
