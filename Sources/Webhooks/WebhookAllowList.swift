import Basics
import Foundation

/// config.json's `webhooks.allow`: the only destinations webhooks may go
/// to. Each entry is one of:
/// - `host` or `host:port` (`hooks.example.com`, `127.0.0.1:8080`,
///   `[::1]:9000`): that host, on that port, or without one on the
///   scheme's default port (80, 443), by http or https;
/// - `*.example.com[:port]`: any host below example.com (not example.com itself);
/// - a URL prefix (`https://hooks.example.com/audio/`): that scheme, host
///   and port, and a path that starts with the prefix's path at a `/`.
public struct WebhookAllowList: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public enum Host: Sendable, Equatable {
            case exactly(String)
            /// Below this domain ("example.com" for "*.example.com").
            case below(String)
        }

        /// As written in config.json.
        public var text: String
        public var host: Host
        /// nil: the scheme's default port.
        public var port: Int?
        /// A URL prefix's scheme and path; nil for a host entry.
        public var scheme: String?
        public var pathPrefix: String?
    }

    public var entries: [Entry]

    public init() { entries = [] }

    public init(_ texts: [String], field: String = "webhooks.allow") throws(DocumentError) {
        entries = []
        for (index, text) in texts.enumerated() {
            entries.append(try Self.parse(text, field: "\(field)[\(index)]"))
        }
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// Whether a webhook may be sent to `url`.
    public func allows(_ url: String) -> Bool {
        guard let target = WebhookTarget(url) else { return false }
        return entries.contains { $0.matches(target) }
    }

    static func parse(_ text: String, field: String) throws(DocumentError) -> Entry {
        let lower = text.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            guard let target = WebhookTarget(text), !text.contains("@"), !text.contains("#"), !text.contains("?") else {
                throw DocumentError("field \"\(field)\" must be a URL prefix such as \"https://hooks.example.com/audio/\" (no user, query or fragment), got \"\(text)\"")
            }
            return Entry(text: text, host: .exactly(target.host), port: target.port, scheme: target.scheme, pathPrefix: target.path)
        }
        var rest = Substring(lower)
        var port: Int?
        var host: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw hostError(text, field) }
            host = rest[rest.index(after: rest.startIndex)..<close]
            rest = rest[rest.index(after: close)...]
            guard host.contains(":"), host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { throw hostError(text, field) }
        } else {
            let colon = rest.firstIndex(of: ":") ?? rest.endIndex
            host = rest[..<colon]
            rest = rest[colon...]
        }
        if !rest.isEmpty {
            guard rest.first == ":", let number = Int(rest.dropFirst()), (1...65535).contains(number) else {
                throw DocumentError("field \"\(field)\" has a port that is not a number from 1 to 65535: \"\(text)\"")
            }
            port = number
        }
        if host.hasPrefix("*.") {
            let domain = host.dropFirst(2)
            guard isHostName(domain), domain.contains(".") || domain == "localhost" else { throw hostError(text, field) }
            return Entry(text: text, host: .below(String(domain)), port: port)
        }
        guard host.contains(":") || isHostName(host) else { throw hostError(text, field) }
        return Entry(text: text, host: .exactly(WebhookTarget.normalised(host: String(host))), port: port)
    }

    private static func isHostName(_ host: Substring) -> Bool {
        !host.isEmpty && !host.hasPrefix(".") && !host.contains("..")
            && host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_") }
    }

    private static func hostError(_ text: String, _ field: String) -> DocumentError {
        DocumentError(
            "field \"\(field)\" must be a host (\"hooks.example.com\", \"*.example.com\", \"127.0.0.1:8080\", \"[::1]:8080\") or a URL prefix (\"https://hooks.example.com/audio/\"), got \"\(text)\"")
    }
}

extension WebhookAllowList.Entry {
    func matches(_ target: WebhookTarget) -> Bool {
        switch host {
        case .exactly(let name): guard target.host == name else { return false }
        case .below(let domain): guard target.host.hasSuffix("." + domain) else { return false }
        }
        guard target.port == (port ?? WebhookTarget.defaultPort(target.scheme)) else { return false }
        if let scheme, scheme != target.scheme { return false }
        if let pathPrefix {
            // "/audio" allows "/audio" and "/audio/x", never "/audiobooks".
            let bounded = pathPrefix.hasSuffix("/") ? pathPrefix : pathPrefix + "/"
            guard target.path == pathPrefix || target.path.hasPrefix(bounded) else { return false }
            // No way back up out of the prefix.
            let dots: Set = [".", ".."]
            guard !target.path.split(separator: "/").contains(where: { dots.contains(String($0).removingPercentEncoding ?? String($0)) }) else { return false }
        }
        return true
    }
}
