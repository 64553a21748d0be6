import Basics
import Foundation

extension JobSpec {
    /// `webhook`: where to POST the job's result.json or error.json when it
    /// ends (SPOOL.md, "Webhooks"). Whether the spool may call `url` is the
    /// Webhooks module's allow-list, checked when the job is claimed.
    public struct Webhook: Sendable, Equatable, Encodable {
        /// The ends a webhook can be sent for. `failed` covers every move
        /// to `failed/`, cancellations and rejected jobs included.
        public enum Event: String, Sendable, CaseIterable, Codable {
            case done, failed
        }

        public var url: String
        public var events: [Event]

        public init(url: String, events: [Event] = Event.allCases) {
            self.url = url
            self.events = events
        }

        /// The longest URL accepted (what most servers take in a request line).
        public static let maxURLBytes = 2048
    }
}

extension JobSpec.Webhook {
    static func parse(_ reader: JSONObjectReader) throws(DocumentError) -> JobSpec.Webhook {
        var reader = reader
        let url = try reader.requiredString("url")
        try check(url: url, field: reader.name("url"))
        var webhook = JobSpec.Webhook(url: url)
        if let names = try reader.stringArray("events") {
            let known = Event.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            guard !names.isEmpty else {
                throw DocumentError("field \"\(reader.name("events"))\" must list at least one of \(known)")
            }
            var events: [Event] = []
            for (index, name) in names.enumerated() {
                guard let event = Event(rawValue: name) else {
                    throw DocumentError("field \"\(reader.name("events"))[\(index)]\" must be one of \(known), got \"\(name)\"")
                }
                guard !events.contains(event) else {
                    throw DocumentError("field \"\(reader.name("events"))\" lists \"\(name)\" twice")
                }
                events.append(event)
            }
            webhook.events = events
        }
        try reader.rejectUnknownFields()
        return webhook
    }

    /// An absolute http or https URL with a host, and nothing a person
    /// would not mean: no credentials, no fragment, no spaces or controls.
    static func check(url: String, field: String) throws(DocumentError) {
        let shown = url.count > 80 ? String(url.prefix(80)) + "…" : url
        guard url.utf8.count <= maxURLBytes else {
            throw DocumentError("field \"\(field)\" is \(url.utf8.count) bytes, over the limit of \(maxURLBytes)")
        }
        guard !url.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7f }) else {
            throw DocumentError("field \"\(field)\" must be a URL without spaces or control characters, got \"\(shown)\"")
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw DocumentError("field \"\(field)\" must be an http or https URL such as \"https://hooks.example.com/audio\", got \"\(shown)\"")
        }
        guard scheme == "http" || scheme == "https" else {
            throw DocumentError("field \"\(field)\" must be an http or https URL, but its scheme is \"\(scheme)\"")
        }
        guard let host = components.host, !host.isEmpty else {
            throw DocumentError("field \"\(field)\" must name a host, got \"\(shown)\"")
        }
        guard components.user == nil, components.password == nil else {
            throw DocumentError("field \"\(field)\" must not carry a user or password (the spool signs what it sends instead)")
        }
        guard components.fragment == nil else {
            throw DocumentError("field \"\(field)\" must not have a fragment (\"#…\"), got \"\(shown)\"")
        }
    }
}
