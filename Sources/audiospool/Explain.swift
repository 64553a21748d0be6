import ArgumentParser
import Foundation
import Spool

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tell one job's history: its events, attempts, and result or error.",
        discussion: "From every host's state/hosts/<host>/events.jsonl (and its rotated .1), merged by time, and the job's own files. Exits 1 if nothing is known of ID.")

    @OptionGroup var spool: SpoolOptions

    @Argument(help: "A job id.")
    var id: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let spool = spool.resolvedSpool
        let events = spool.allEvents().filter { $0.job == id }
        let state = spool.state(of: id)
        guard state != nil || !events.isEmpty else {
            FileHandle.standardError.write(Data("no job \(id) in \(spool.root), and no events of it\n".utf8))
            throw ExitCode(1)
        }
        let history = JobHistory(spool: spool, id: id, events: events, state: state)
        if json {
            printJSON(history)
        } else {
            print(history.rendered(), terminator: "")
        }
    }
}
