import Basics
import Foundation
import Spool

/// What `watch` draws: running jobs from their status.json, with a bar each
/// on a terminal, or as plain lines when something changed.
struct ProgressBoard {
    let spool: Spool
    /// Job → what was last printed of it (plain mode).
    private var printed: [String: String] = [:]

    init(spool: Spool) {
        self.spool = spool
    }

    struct Snapshot {
        var counts: [Spool.Folder: Int]
        var running: [JobStatus]

        var isIdle: Bool { (counts[.new] ?? 0) == 0 && (counts[.cur] ?? 0) == 0 }
    }

    func look() -> Snapshot {
        Snapshot(counts: spool.counts(), running: spool.runningStatuses())
    }

    /// A whole screen: home, clear, then the lines.
    func frame(_ snapshot: Snapshot, width: Int) -> String {
        var lines = [header(snapshot)]
        if snapshot.running.isEmpty { lines.append("  nothing running") }
        let idWidth = min(40, snapshot.running.map(\.id.count).max() ?? 0)
        let tails = snapshot.running.map { Self.details($0) }
        // One width for every bar, so they line up.
        let barWidth = max(10, min(40, width - idWidth - (tails.map(\.count).max() ?? 0) - 8))
        for (status, tail) in zip(snapshot.running, tails) {
            let id = status.id.count > idWidth ? String(status.id.prefix(idWidth - 1)) + "…" : status.id.padding(toLength: idWidth, withPad: " ", startingAt: 0)
            lines.append("  \(id)  \(Self.bar(status.progress, width: barWidth))  \(tail)")
        }
        return "\u{1B}[H\u{1B}[J" + lines.map { String($0.prefix(width)) }.joined(separator: "\n") + "\n"
    }

    /// Plain lines for what changed since the last call: a job's state, its
    /// progress by a tenth, and its end.
    mutating func changes(_ snapshot: Snapshot) -> [String] {
        var lines: [String] = []
        var seen: Set<String> = []
        for status in snapshot.running {
            seen.insert(status.id)
            let decile = Int(status.progress * 10) * 10
            let key = "\(status.state.rawValue) \(decile)"
            guard printed[status.id] != key else { continue }
            printed[status.id] = key
            lines.append("\(Timestamp.now()) \(status.id) \(status.state.rawValue) \(status.engine) \(Self.details(status, full: false))")
        }
        for id in printed.keys.sorted() where !seen.contains(id) {
            let outcome = spool.state(of: id)?.name ?? "gone"
            // Still in cur/ without a status.json: being tidied on its way out.
            if outcome == "running" { continue }
            printed[id] = nil
            lines.append("\(Timestamp.now()) \(id) \(outcome == "pending" ? "back in new/" : outcome)")
        }
        return lines
    }

    private func header(_ snapshot: Snapshot) -> String {
        let counts = snapshot.counts
        return "\(spool.root)  pending \(counts[.new] ?? 0)  running \(counts[.cur] ?? 0)  done \(counts[.done] ?? 0)  failed \(counts[.failed] ?? 0)"
    }

    static func details(_ status: JobStatus, full: Bool = true) -> String {
        var parts = [String(format: full ? "%3d%%" : "%d%%", Int(status.progress * 100))]
        if full { parts += [status.state.rawValue, status.engine] }
        if let done = status.segmentsDone, let total = status.segmentsTotal { parts.append("\(done)/\(total) segments") }
        if let eta = status.etaSeconds, status.progress < 1 { parts.append(String(format: "eta %.0fs", eta)) }
        // Which host runs it: the spool may be shared by several.
        if let host = status.host { parts.append("on \(host)") }
        return parts.joined(separator: "  ")
    }

    static func bar(_ progress: Double, width: Int) -> String {
        let filled = Int((min(1, max(0, progress)) * Double(width)).rounded(.down))
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
    }
}
