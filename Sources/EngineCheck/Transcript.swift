import Basics
import EngineHost
import EngineProtocol
import Foundation
import Synchronization

/// Every line that crossed between the check and one engine process, in
/// order, as `EngineProcess.Options.transcript` reports them.
final class Transcript: Sendable {
    struct Line: Sendable {
        var direction: EngineProcess.Direction
        var text: String
    }

    private let storage = Mutex<[Line]>([])

    var lines: [Line] { storage.withLock { $0 } }

    func record(_ direction: EngineProcess.Direction, _ text: String) {
        storage.withLock { $0.append(Line(direction: direction, text: text)) }
    }

    /// The lines as `schemas/validate.py` reads them: `> ` host → engine, `< ` engine → host.
    var text: String {
        lines.map { ($0.direction == .toEngine ? "> " : "< ") + $0.text + "\n" }.joined()
    }
}

extension Transcript {
    /// Checks what the lines show about the protocol rules. `complete` is
    /// false when the process was killed, so unanswered requests are not
    /// the engine's fault alone.
    func analyse(into findings: inout Findings, complete: Bool) {
        var sent: [String: String] = [:]  // id → method
        var answers: [String: Int] = [:]
        var progress: [String: Double] = [:]
        // Ids only a `cancel` named (ids never sent): an answer to one answers a notification.
        var cancelled: Set<String> = []
        // Requests the check sends to provoke a protocol error (CheckJobs.probePrefix): not held to error-kinds.
        var probes: Set<String> = []
        // The run in flight at shutdown: whether it was answered is shutdown-answers-runs' question.
        var atShutdown: Set<String> = []
        for line in lines {
            guard let object = Self.object(line.text) else {
                if line.direction == .fromEngine && !line.text.isEmpty {
                    findings.fail(.protocolOnly, "stdout carried a line that is not a JSON object: \(Self.excerpt(line.text)); write logs to stderr")
                }
                continue
            }
            let id = object["id"].map(Self.key)
            let method = object["method"]?.stringValue
            if line.direction == .toEngine {
                if let id, let method { sent[id] = method }
                if let id, method == Method.run,
                    object["params"]?.objectValue?["job_id"]?.stringValue?.hasPrefix(CheckJobs.probePrefix) != false {
                    probes.insert(id)
                }
                if let id, method == Method.run,
                    object["params"]?.objectValue?["job_id"]?.stringValue?.hasPrefix(CheckJobs.shutdownPrefix) == true {
                    atShutdown.insert(id)
                }
                if method == Method.cancel, id == nil, let target = object["params"]?.objectValue?["id"] { cancelled.insert(Self.key(target)) }
                continue
            }
            if object["jsonrpc"]?.stringValue != "2.0" {
                findings.fail(.protocolOnly, "a message without \"jsonrpc\": \"2.0\": \(Self.excerpt(line.text))")
            }
            if let method {
                guard method == Method.progress, id == nil else {
                    findings.fail(.protocolOnly, "the engine sent \(method)\(id == nil ? "" : " as a request"); engines send only progress notifications")
                    continue
                }
                checkProgress(object["params"]?.objectValue, sent: sent, answered: answers, last: &progress, into: &findings)
                continue
            }
            guard let id, object["result"] != nil || object["error"] != nil else {
                if object["error"] == nil { findings.fail(.protocolOnly, "a message with neither method, result nor error: \(Self.excerpt(line.text))") }
                continue
            }
            guard sent[id] != nil else {
                if cancelled.contains(id) {
                    findings.fail(.unknownCancel, "the engine answered a cancel for id \(id), which it was never sent; a cancel is a notification and gets no answer")
                } else {
                    findings.fail(.oneResponse, "the engine answered id \(id), which was never sent")
                }
                continue
            }
            answers[id, default: 0] += 1
            if answers[id] == 2 { findings.fail(.oneResponse, "the engine answered the \(sent[id]!) request (id \(id)) more than once") }
            if let error = object["error"], !probes.contains(id) {
                checkError(error, method: sent[id]!, into: &findings)
            }
        }
        findings.note(.protocolOnly, "every line on stdout was a JSON-RPC message")
        if !progress.isEmpty { findings.note(.progress, "progress of each run in order, within 0…1") }
        guard complete else { return }
        for (id, method) in sent.sorted(by: { $0.key < $1.key }) where answers[id] == nil && !atShutdown.contains(id) {
            findings.fail(.oneResponse, "the \(method) request (id \(id)) was never answered")
        }
        findings.note(.oneResponse, "every request was answered once")
    }

    private func checkProgress(
        _ params: [String: JSONValue]?, sent: [String: String], answered: [String: Int], last: inout [String: Double], into findings: inout Findings
    ) {
        guard let params, let raw = params["id"], let value = params["progress"]?.doubleValue else {
            findings.fail(.progress, "a progress notification without params.id and a numeric params.progress")
            return
        }
        let id = Self.key(raw)
        guard sent[id] == Method.run else {
            findings.fail(.progress, "progress about id \(id), which is not a run the host sent")
            return
        }
        if answered[id] != nil {
            findings.fail(.progress, "progress \(value) about run \(id) after its answer; progress goes between a run and its answer")
        }
        if !(0...1).contains(value) { findings.fail(.progress, "progress \(value) of run \(id) is outside 0…1") }
        if let previous = last[id], value < previous {
            findings.fail(.progress, "progress of run \(id) went down, from \(previous) to \(value)")
        }
        last[id] = max(last[id] ?? 0, value)
    }

    private func checkError(_ raw: JSONValue, method: String, into findings: inout Findings) {
        guard let error = raw.objectValue, let code = error["code"]?.intValue, error["message"]?.stringValue != nil else {
            findings.fail(.errorKinds, "an error to \(method) is not {\"code\": integer, \"message\": string, …}")
            return
        }
        guard let name = error["data"]?.objectValue?["kind"]?.stringValue else {
            let protocolCodes = [RPCError.parseError, RPCError.invalidRequest, RPCError.methodNotFound, RPCError.invalidParams]
            if method == Method.run || !protocolCodes.contains(code) {
                findings.fail(.errorKinds, "an error to \(method) (code \(code)) has no data.kind; the host treats it as internal")
            }
            return
        }
        guard let kind = ErrorKind(rawValue: name), ErrorKind.engineReported.contains(kind) else {
            let valid = ErrorKind.engineReported.map(\.rawValue).joined(separator: ", ")
            findings.fail(.errorKinds, "an error to \(method) has kind \"\(name)\"; an engine reports one of \(valid)")
            return
        }
        if code != kind.code {
            findings.fail(.errorKinds, "an error of kind \(name) has code \(code); that kind's code is \(kind.code)")
        } else {
            findings.note(.errorKinds, "\(method): \(name)")
        }
    }

    /// Where things happened, by line number, to tell what came first.
    struct Positions {
        /// The line of the request and its id.
        var request: (index: Int, id: String)?
        /// The line of its first answer.
        var answer: Int?
        /// The lines of its progress notifications, with their values.
        var progress: [(index: Int, value: Double)] = []
    }

    /// The first request of `method` (after line `after`) whose params
    /// match `matching`, and what the engine sent about it.
    func positions(of method: String, after: Int = -1, matching: ([String: JSONValue]) -> Bool = { _ in true }) -> Positions {
        let lines = self.lines
        var found = Positions()
        for (index, line) in lines.enumerated() where index > after {
            guard let object = Self.object(line.text), let raw = object["id"] else { continue }
            if line.direction == .toEngine, found.request == nil, object["method"]?.stringValue == method,
                matching(object["params"]?.objectValue ?? [:]) {
                found.request = (index, Self.key(raw))
            } else if line.direction == .fromEngine, let request = found.request, Self.key(raw) == request.id, object["method"] == nil {
                if found.answer == nil { found.answer = index }
            }
        }
        guard let request = found.request else { return found }
        for (index, line) in lines.enumerated() where index > request.index && line.direction == .fromEngine {
            guard let object = Self.object(line.text), object["id"] == nil, object["method"]?.stringValue == Method.progress,
                let params = object["params"]?.objectValue, params["id"].map(Self.key) == request.id
            else { continue }
            found.progress.append((index, params["progress"]?.doubleValue ?? 0))
        }
        return found
    }

    /// Positions of the run with `jobID`.
    func run(_ jobID: String) -> Positions {
        positions(of: Method.run) { $0["job_id"]?.stringValue == jobID }
    }

    static func object(_ text: String) -> [String: JSONValue]? {
        (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)))?.objectValue
    }

    /// An id as a dictionary key that keeps its JSON type: `1` and `"1"` differ.
    static func key(_ id: JSONValue) -> String {
        switch id {
        case .number(let value): Int(exactly: value).map(String.init) ?? "\(value)"
        case .string(let value): "\"\(value)\""
        default: "null"
        }
    }

    static func excerpt(_ text: String) -> String {
        "\"\(text.prefix(100))\(text.count > 100 ? "…" : "")\""
    }
}
