import ArgumentParser
import Basics
import Foundation
import Spool

/// For a liveness probe (Kubernetes `exec`, a cron check): exits 0 while
/// this host's supervisor publishes a fresh heartbeat, 1 with the reason
/// otherwise. The heartbeat is judged on this host's clock, which wrote it.
struct Health: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Exit 0 if this host's supervisor is alive (its heartbeat is fresh), 1 with the reason if not.",
        discussion: "Reads the host's supervisor.json under state/ (SPOOL.md, \"Monitoring\"); for a Kubernetes exec probe or a monitoring check.")

    @OptionGroup var spool: SpoolOptions

    @Option(help: ArgumentHelp("The supervisor's host name (default: $AUDIOSPOOL_HOST, else this host's name).", valueName: "name"))
    var host: String?

    @Option(help: ArgumentHelp("How old the heartbeat may be.", valueName: "seconds"))
    var maxAge: Double = 15

    func validate() throws {
        guard maxAge > 0 else { throw ValidationError("--max-age must be above 0, got \(maxAge)") }
    }

    func run() throws {
        let spool = try spool.existingSpool()
        let host = host ?? ProcessInfo.processInfo.environment["AUDIOSPOOL_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? HostIdentity.name
        guard let (heartbeat, file) = spool.supervisorState(ofHost: host) else {
            throw CommandFailure("no supervisor of host \(host) has published a heartbeat in \(spool.state.path) (is `audiospool run` running there, with this --host?)")
        }
        let age = Timestamp.parse(heartbeat.updatedAt).map { Date().timeIntervalSince($0) } ?? .infinity
        let ago = "\(String(format: "%.1f", age)) s ago"
        guard heartbeat.state == "running" else {
            throw CommandFailure("the supervisor of host \(host) (pid \(heartbeat.pid)) has stopped: \(file) says \"\(heartbeat.state)\", written \(ago)")
        }
        guard heartbeat.isLive(staleAfter: maxAge) else {
            throw CommandFailure("the supervisor of host \(host) (pid \(heartbeat.pid)) is not publishing: its heartbeat in \(file) is \(ago), over \(String(format: "%g", maxAge)) s")
        }
        print("ok: the supervisor of host \(host) (pid \(heartbeat.pid)) wrote its heartbeat \(ago)")
    }
}
