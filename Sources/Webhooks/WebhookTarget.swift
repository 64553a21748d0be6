import Foundation

/// A webhook URL's parts as the allow-list compares them: the scheme and
/// host in lower case, an IPv6 host without its brackets, the port made
/// explicit (80 for http, 443 for https), the path at least "/".
public struct WebhookTarget: Sendable, Equatable {
    public var scheme: String
    public var host: String
    public var port: Int
    public var path: String

    public init?(_ url: String) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { return nil }
        self.scheme = scheme
        self.host = Self.normalised(host: host)
        guard let port = components.port ?? Self.defaultPort(scheme), (1...65535).contains(port) else { return nil }
        self.port = port
        path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
    }

    static func defaultPort(_ scheme: String) -> Int? {
        switch scheme {
        case "http": 80
        case "https": 443
        default: nil
        }
    }

    static func normalised(host: String) -> String {
        var host = host.lowercased()
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        // "example.com." and "example.com" are one host.
        if host.hasSuffix(".") { host.removeLast() }
        return host
    }
}
