import Basics
import Foundation
import Spool

/// The job document of `GET /v1/jobs/{id}` (openapi.json, `Job`): its
/// state, progress and links, and its result.json or error.json whole.
struct JobView {
    let api: API

    static let previewCharacters = 200

    func render(_ entry: JobCatalog.Entry, detail: Bool = true) -> JSONValue {
        let catalog = api.catalog
        let (state, status, result, failure) = catalog.state(entry)
        let base = "/v1/jobs/" + Self.escape(entry.id)
        var fields: [String: JSONValue] = [
            "id": .string(entry.id),
            "state": .string(state.rawValue),
            "created_at": .string(Timestamp.string(entry.created)),
        ]
        var links: [String: JSONValue] = ["self": .string(base), "events": .string(base + "/events")]
        let job = catalog.jobDocument(entry)
        if let engine = job?["engine"]?.stringValue { fields["engine"] = .string(engine) }
        if let owner = job?["metadata"]?.objectValue?["submitted_by"]?.stringValue { fields["submitted_by"] = .string(owner) }
        if let metadata = job?["metadata"] { fields["metadata"] = metadata }
        // Enough of the text to tell jobs apart in a list; the job has it whole.
        if let text = job?["text"]?.stringValue { fields["text_preview"] = .string(String(text.prefix(Self.previewCharacters))) }
        switch state {
        case .queued:
            fields["progress"] = 0
            if detail, let position = api.queue.position(of: entry.id) { fields["queue_position"] = .number(Double(position)) }
        case .running:
            fields["progress"] = .number(status?.progress ?? 0)
            if let status {
                fields["attempt"] = .number(Double(status.attempt))
                fields["phase"] = .string(status.state.rawValue)
                if let value = status.segmentsDone { fields["segments_done"] = .number(Double(value)) }
                if let value = status.segmentsTotal { fields["segments_total"] = .number(Double(value)) }
                if let value = status.etaSeconds { fields["eta_s"] = .number(value) }
                if let value = status.device { fields["device"] = .string(value) }
                if let value = status.fallbackReason { fields["fallback_reason"] = .string(value) }
                if let value = status.message { fields["message"] = .string(value) }
            }
        case .done:
            fields["progress"] = 1
            if let result {
                fields["result"] = Self.value(result)
                var outputs: [String: JSONValue] = [:]
                for output in result.outputs { outputs[output.path] = .string(base + "/outputs/" + Self.escape(output.path)) }
                links["outputs"] = .object(outputs)
            }
        case .failed, .cancelled:
            if let failure { fields["error"] = Self.value(failure) }
            links["retry"] = .string(base + "/retry")
        }
        fields["links"] = .object(links)
        return .object(fields)
    }

    static func value(_ document: some Encodable) -> JSONValue {
        guard let data = try? JSONEncoder().encode(document) else { return .null }
        return (try? JSONDecoder().decode(JSONValue.self, from: data)) ?? .null
    }

    static func escape(_ name: String) -> String {
        // Most ids and names need nothing: the percent-encoder is skipped for them.
        if name.utf8.allSatisfy({ byte in
            (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
        }) {
            return name
        }
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/;?#%")
        return name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name
    }
}
