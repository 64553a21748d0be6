import Basics
import Foundation
import Glibc
import Testing

/// SystemdNotifier's reading of the environment sd_notify(3) defines; the
/// datagrams themselves are checked end to end (SystemdNotifyTests).
@Suite struct SystemdNotifierTests {
    @Test func withoutNotifySocketNothingIsSent() {
        let notifier = SystemdNotifier(environment: [:])
        #expect(notifier.socket == nil)
        #expect(notifier.watchdogInterval == nil)
        #expect(!notifier.send(["READY=1"]))
    }

    @Test func theWatchdogIsHalfOfWatchdogUsecForThisProcessOnly() {
        let ours = SystemdNotifier(environment: ["NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "30000000"], pid: 42)
        #expect(ours.watchdogInterval == .seconds(15))
        let named = SystemdNotifier(environment: ["NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "42"], pid: 42)
        #expect(named.watchdogInterval == .seconds(15))
        let another = SystemdNotifier(environment: ["NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "7"], pid: 42)
        #expect(another.watchdogInterval == nil)
        let garbage = SystemdNotifier(environment: ["NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "soon"], pid: 42)
        #expect(garbage.watchdogInterval == nil)
    }

    @Test func aMissingOrTooLongSocketFailsQuietly() {
        #expect(!SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent/notify"]).send(["READY=1"]))
        #expect(!SystemdNotifier(environment: ["NOTIFY_SOCKET": "/" + String(repeating: "x", count: 200)]).send(["READY=1"]))
    }
}
