import ArgumentParser
import Basics
import Foundation
import Glibc
import Spool

struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show running jobs' progress live.",
        discussion: """
            On a terminal: progress bars, redrawn in place. Otherwise (a pipe, a file, a log):
            one plain line whenever a job starts, moves on by 10%, or finishes.
            """)

    @OptionGroup var spool: SpoolOptions

    @Option(help: "Seconds between looks at the spool.")
    var interval: Double = 0.5

    @Flag(help: "Exit once nothing is pending or running.")
    var untilIdle = false

    @Flag(help: "Plain lines even on a terminal.")
    var plain = false

    func validate() throws {
        guard interval >= 0.05, interval <= 3600 else { throw ValidationError("--interval must be 0.05 to 3600 seconds, got \(interval)") }
    }

    func run() async throws {
        BrokenPipes.ignore()
        let spool = spool.resolvedSpool
        let live = !plain && isatty(STDOUT_FILENO) == 1
        var board = ProgressBoard(spool: spool)
        while true {
            let snapshot = board.look()
            // Written at once, unbuffered: a pipe's reader sees each line as it happens.
            let text = live ? board.frame(snapshot, width: Self.terminalWidth()) : board.changes(snapshot).map { $0 + "\n" }.joined()
            if !text.isEmpty { FileHandle.standardOutput.write(Data(text.utf8)) }
            if untilIdle && snapshot.isIdle { return }
            try await Task.sleep(for: .seconds(interval))
        }
    }

    static func terminalWidth() -> Int {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }
}
