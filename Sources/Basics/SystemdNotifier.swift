import Foundation
import Glibc

/// systemd's notify protocol (sd_notify(3)), written by hand: one datagram
/// of `KEY=VALUE` lines to the Unix socket named by `$NOTIFY_SOCKET` (a
/// path, or `@name` in the abstract namespace). Without `$NOTIFY_SOCKET`
/// (not under systemd, or not `Type=notify`) every call does nothing.
///
/// `$WATCHDOG_USEC` (set with `WatchdogSec=`) asks for `WATCHDOG=1` at
/// least that often; `watchdogInterval` is half of it, as sd_watchdog_enabled(3)
/// advises. It applies only to the process `$WATCHDOG_PID` names, if set.
public struct SystemdNotifier: Sendable {
    public let socket: String?
    public let watchdogInterval: Duration?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, pid: Int32 = getpid()) {
        socket = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        let forUs = environment["WATCHDOG_PID"].map { Int32($0) == pid } ?? true
        if forUs, let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0 {
            watchdogInterval = .microseconds(Int64(usec / 2))
        } else {
            watchdogInterval = nil
        }
    }

    /// Start-up is over: systemd starts what is ordered after this unit.
    public func ready(status: String? = nil) { send(["READY=1"] + (status.map { ["STATUS=\($0)"] } ?? [])) }

    /// A graceful stop has begun.
    public func stopping() { send(["STOPPING=1"]) }

    /// Still alive; due every `watchdogInterval`.
    public func watchdog() { if watchdogInterval != nil { send(["WATCHDOG=1"]) } }

    /// Sends one datagram; returns whether it was sent. Best effort: a
    /// missing or refusing socket must never stop the supervisor.
    @discardableResult
    public func send(_ lines: [String]) -> Bool {
        guard let socket else { return false }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socket.utf8)
        // "@name": the abstract namespace, whose address starts with a NUL
        // and is exactly as long as the name (no terminating NUL).
        let abstract = path.first == UInt8(ascii: "@")
        if abstract { path[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity || (abstract && path.count <= capacity) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { bytes in
            bytes.copyBytes(from: path)
        }
        let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + path.count + (abstract ? 0 : 1)
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let message = Array((lines.joined(separator: "\n") + "\n").utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                message.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), address, socklen_t(length)) }
            }
        }
        return sent == message.count
    }
}
