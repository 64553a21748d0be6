import Foundation
import Glibc

/// This host and this process, as the documents that say who holds what
/// (owner.json, slot files, events, delivery names) name them. Not `Host`:
/// Foundation on Linux has a class of that name, and every file importing
/// both would have to qualify it.
public enum HostIdentity {
    /// The host's name in the spool: `AUDIOSPOOL_HOST` if set (`audiospool
    /// run --host NAME` sets it before anything reads this, so the engines
    /// and every document agree), else the system's host name. It names
    /// the host in owner.json, attempts.json, `state/leases/<host>/` and
    /// `state/hosts/<host>/`, so it must be a file name (`check(name:)`).
    public static let name: String = {
        if let chosen = ProcessInfo.processInfo.environment[environmentVariable], !chosen.isEmpty, check(name: chosen) == nil {
            return chosen
        }
        return name(gethostname: { Glibc.gethostname($0, $1) })
    }()

    /// The environment variable that names the host over the system's name.
    public static let environmentVariable = "AUDIOSPOOL_HOST"

    /// Why `name` cannot name a host in the spool (it becomes a folder
    /// name), or nil if it can.
    public static func check(name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name.utf8.count > 64 { return "it is longer than 64 bytes" }
        if name.hasPrefix(".") { return "it starts with \".\"" }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        if let bad = name.first(where: { !allowed.contains($0) }) {
            return "it holds \"\(bad)\"; use letters, digits, \"-\", \"_\" and \".\""
        }
        return nil
    }

    /// The system's host name. When `gethostname` fails (it cannot with this buffer
    /// on Linux, whose names are at most 64 bytes, but the call may still
    /// report an error) it is "localhost": a name is never empty, so the
    /// delivery names and lease folders built from it stay well formed, and
    /// an owner is still told apart by the boot id and the process start.

    /// `name`, with the system call given, so the fallback can be tested.
    package static func name(gethostname: (UnsafeMutablePointer<CChar>, Int) -> Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }

    /// The kernel's boot id: a pid means nothing across a reboot. Empty
    /// where there is no /proc.
    public static let bootID: String = bootID(file: "/proc/sys/kernel/random/boot_id")

    package static func bootID(file: String) -> String {
        let data = try? FileSystem.read(file, limit: 128)
        return data.flatMap { String(data: $0, encoding: .utf8) }?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }

    /// When this process started, in clock ticks since boot: with the pid,
    /// it names one process even where pids are reused, as in a container
    /// where every supervisor is pid 1.
    public static let processStart: UInt64 = processStart(of: getpid()) ?? 0

    /// Field 22 of `/proc/PID/stat`, read after the last ")" because the
    /// command name in field 2 may itself contain spaces and parentheses.
    public static func processStart(of pid: Int32) -> UInt64? {
        guard let data = try? FileSystem.read("/proc/\(pid)/stat", limit: 4096),
              let text = String(data: data, encoding: .utf8),
              let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field 22 is fields[19].
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }
}
