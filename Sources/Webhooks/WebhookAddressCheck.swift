import Glibc

/// The resolved-address check (SPOOL.md, "Webhooks"): a destination named
/// by a host name must not resolve to this machine or to the link-local
/// range (where cloud metadata services answer), so an allow-listed name
/// whose DNS is changed cannot turn a webhook on the spool's own host.
/// Private ranges pass: the operator allow-listed the name. A host written
/// as an address, or `localhost`, is taken as the allow-list says.
///
/// Every address the name resolves to is checked, and the attempt then
/// connects to the first of them (the HTTP client's `dnsOverride`, which
/// still asks for and checks the name's certificate), so the name is not
/// resolved a second time, to an answer nobody checked.
public enum WebhookAddressCheck {
    public enum Resolution: Sendable, Equatable {
        /// An address, or localhost: connect as written.
        case asWritten
        /// Connect to this checked address.
        case pinned(String)
        case refused(String)
    }

    public static func resolve(host: String) -> Resolution {
        if isAddress(host) || host == "localhost" || host.hasSuffix(".localhost") { return .asWritten }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let first = list else {
            return .refused("cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(first) }
        var chosen: String?
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let entry = next {
            if let address = entry.pointee.ai_addr {
                if let reason = forbidden(address) {
                    return .refused("\(host) resolves to \(reason), which webhooks may reach only when the allow-list names the address")
                }
                if chosen == nil { chosen = text(address) }
            }
            next = entry.pointee.ai_next
        }
        guard let chosen else { return .refused("cannot resolve \(host): no address") }
        return .pinned(chosen)
    }

    /// Why `host` may not be called, or nil if it may.
    public static func refusal(host: String) -> String? {
        if case .refused(let reason) = resolve(host: host) { return reason }
        return nil
    }

    static func text(_ address: UnsafePointer<sockaddr>) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = Int32(address.pointee.sa_family)
        let written: UnsafePointer<CChar>?
        switch family {
        case AF_INET:
            written = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                var raw = pointer.pointee.sin_addr
                return inet_ntop(AF_INET, &raw, &buffer, socklen_t(buffer.count))
            }
        case AF_INET6:
            written = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                var raw = pointer.pointee.sin6_addr
                return inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count))
            }
        default:
            written = nil
        }
        return written == nil ? nil : String(cString: buffer)
    }

    static func isAddress(_ host: String) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16)
        return inet_pton(AF_INET, host, &buffer) == 1 || inet_pton(AF_INET6, host, &buffer) == 1
    }

    /// What is wrong with this address, or nil.
    static func forbidden(_ address: UnsafePointer<sockaddr>) -> String? {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            let ipv4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
            return forbidden(ipv4: withUnsafeBytes(of: ipv4) { Array($0) })
        case AF_INET6:
            let bytes = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
            }
            return forbidden(ipv6: bytes)
        default:
            return "an address of an unknown family"
        }
    }

    /// Four bytes in network order.
    static func forbidden(ipv4 bytes: [UInt8]) -> String? {
        let shown = bytes.map(String.init).joined(separator: ".")
        switch bytes[0] {
        case 0: return "\(shown) (this host)"
        case 127: return "\(shown) (loopback)"
        case 224...255: return "\(shown) (multicast or reserved)"
        case 169 where bytes[1] == 254: return "\(shown) (link-local, where metadata services answer)"
        default: return nil
        }
    }

    /// Sixteen bytes in network order.
    static func forbidden(ipv6 bytes: [UInt8]) -> String? {
        if bytes.allSatisfy({ $0 == 0 }) { return ":: (this host)" }
        if bytes.dropLast().allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return "::1 (loopback)" }
        // IPv4-mapped (::ffff:a.b.c.d): the IPv4 rules.
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return forbidden(ipv4: Array(bytes[12..<16]))
        }
        if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 { return "an fe80::/10 address (link-local)" }
        if bytes[0] == 0xff { return "an ff00::/8 address (multicast)" }
        return nil
    }
}
