import Foundation
import Glibc
import Synchronization

/// The test's end of systemd's notify protocol: a Unix datagram socket,
/// bound at a path or, for a name starting with "@", in the abstract
/// namespace, collecting every datagram it receives.
///
/// Also how a test learns the port a server bound (`--listen …:0`): from
/// its READY=1 status, so no two tests race for a port picked in advance.
public final class NotifySocket: Sendable {
    public let address: String
    private let fd: Int32
    private let received = Mutex<[String]>([])
    private let stopped = Atomic<Bool>(false)

    public init(address: String) throws {
        self.address = address
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(address.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { close(fd); throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in receive() }
        thread.start()
    }

    private func receive() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !stopped.load(ordering: .relaxed) {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                let message = String(decoding: buffer[0..<count], as: UTF8.self)
                received.withLock { $0.append(message) }
            }
        }
        close(fd)
    }

    /// Every datagram so far, in order.
    public var messages: [String] { received.withLock { $0 } }

    /// A fresh abstract address, unique to this process and call.
    public static func uniqueAddress(_ name: String) -> String {
        "@\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// The port a server said it listens on, once it has: serve's READY=1
    /// carries "STATUS=listening on [IPv4]127.0.0.1/127.0.0.1:PORT".
    public var listeningPort: Int? {
        messages.lazy.flatMap { $0.split(separator: "\n") }
            .first { $0.hasPrefix("STATUS=listening on ") }
            .flatMap { $0.split(separator: ":").last }.flatMap { Int($0) }
    }

    /// The datagrams holding the line `line` ("READY=1").
    public func count(_ line: String) -> Int {
        messages.filter { $0.split(separator: "\n").contains(Substring(line)) }.count
    }

    public func stop() {
        stopped.store(true, ordering: .relaxed)
        if !address.hasPrefix("@") { unlink(address) }
    }

    deinit { stopped.store(true, ordering: .relaxed) }
}
