import AudioSpoolTestKit
import Foundation
import Spool
import Testing

/// deploy/systemd: the units pass `systemd-analyze verify` with nothing to
/// say, and keep the settings DEPLOYING.md relies on.
@Suite(.timeLimit(.minutes(2))) struct SystemdUnitTests {
    static let units = ["audiospool.service", "audiospool-serve.service"]

    /// The units, copied with ExecStart pointed at the binary under test
    /// (verify insists that the program exists).
    private func copies(in directory: TemporaryDirectory, edit: (String) -> String = { $0 }) throws -> [String] {
        try Self.units.map { name in
            let text = try String(contentsOfFile: Repository.root + "/deploy/systemd/" + name, encoding: .utf8)
            return directory.write(name, edit(text.replacingOccurrences(of: "/usr/local/bin/audiospool", with: Repository.executable)))
        }
    }

    @Test func theUnitsVerifyCleanly() async throws {
        let directory = TemporaryDirectory()
        let result = try await ChildProcess.run("/usr/bin/systemd-analyze", ["verify"] + copies(in: directory))
        #expect(result.status == 0 && result.stderr.isEmpty && result.stdout.isEmpty, "\(result.summary)")

        // verify exits 0 on a directive it ignores: what it prints is the check.
        let broken = TemporaryDirectory()
        let typo = try await ChildProcess.run(
            "/usr/bin/systemd-analyze", ["verify"] + copies(in: broken) { $0.replacingOccurrences(of: "KillMode=mixed", with: "KillMode=mixd") })
        #expect(typo.stderr.contains("mixd"), "\(typo.summary)")
    }

    @Test func theSupervisorUnitIsNotifyMixedAndHardened() throws {
        let unit = try SystemdUnit(Repository.root + "/deploy/systemd/audiospool.service")
        #expect(unit["Type"] == ["notify"])
        #expect(unit["KillMode"] == ["mixed"])
        #expect(unit["WatchdogSec"].count == 1)
        let stop = try #require(unit["TimeoutStopSec"].first.flatMap(Double.init))
        #expect(stop > SpoolConfig().shutdownGraceSeconds + 30, "TimeoutStopSec \(stop) leaves too little after shutdown_grace_s")
        #expect(unit["ProtectSystem"] == ["strict"])
        #expect(unit["NoNewPrivileges"] == ["yes"])
        #expect(unit["PrivateTmp"] == ["yes"])
        let writable = Set(unit["ReadWritePaths"].flatMap { $0.split(separator: " ").map(String.init) })
        let execStart = try #require(unit["ExecStart"].first)
        let spool = try #require(execStart.components(separatedBy: "--spool ").last?.split(separator: " ").first.map(String.init))
        #expect(writable.contains { spool.hasPrefix($0) }, "the spool \(spool) is not in ReadWritePaths \(writable)")
        let venvs = try #require(unit["Environment"].first { $0.hasPrefix("AUDIOSPOOL_VENVS=") }?.dropFirst("AUDIOSPOOL_VENVS=".count))
        #expect(writable.contains { venvs.hasPrefix($0) }, "the venvs \(venvs) are not in ReadWritePaths \(writable)")

        let serve = try SystemdUnit(Repository.root + "/deploy/systemd/audiospool-serve.service")
        #expect(serve["Type"] == ["notify"] && serve["NotifyAccess"] == ["main"])
        #expect(serve["KillMode"] == ["mixed"])
        #expect(serve["ProtectSystem"] == ["strict"] && serve["NoNewPrivileges"] == ["yes"] && serve["PrivateTmp"] == ["yes"])
        #expect(serve["ExecStart"].first?.contains(" serve ") == true)
    }
}
