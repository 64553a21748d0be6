import AudioSpoolTestKit
import Foundation
import Logging
import Spool
import Testing
@testable import Webhooks

/// The sender's bookkeeping, message by message, in orders a loaded
/// machine can produce.
@Suite struct WebhookSenderTests {
    let directory = TemporaryDirectory()
    let spool: Spool
    let sender: WebhookSender

    init() throws {
        spool = Spool(root: directory.path + "/spool")
        try spool.create()
        sender = WebhookSender(spool: spool, settings: WebhookSettings(), logger: Logger(label: "test"))
    }

    /// A supervisor saves a record and then tells its sender; inotify can
    /// tell it first, and the whole delivery can end before the
    /// supervisor's own message comes. That late message must not start
    /// the webhook again (a full `make test` once saw a job's webhook sent
    /// twice, by two supervisors).
    @Test func aLateOwnMessageDoesNotSendADeliveredWebhookAgain() throws {
        var state = WebhookSender.SenderState()
        defer { state.release() }
        sender.takeLock(&state)
        #expect(state.lock != nil)
        let record = PendingWebhook(job: "job1", event: .done, url: "http://127.0.0.1:9/hook", body: "{}")
        try sender.outbox.save(record)
        sender.handle(.arrived(record.id + ".json"), &state)
        #expect(state.pending[record.id] == record)
        sender.conclude(record, .delivered(status: 200), &state)
        #expect(state.pending.isEmpty && sender.outbox.all().isEmpty)
        sender.handle(.added(record.id), &state)
        #expect(state.pending.isEmpty, "a delivered webhook is pending again")
        // Either order of the two messages admits the record once.
        let second = PendingWebhook(job: "job2", event: .done, url: "http://127.0.0.1:9/hook", body: "{}")
        try sender.outbox.save(second)
        sender.handle(.added(second.id), &state)
        sender.handle(.arrived(second.id + ".json"), &state)
        #expect(Array(state.pending.keys) == [second.id])
    }

    /// Without the lock a supervisor keeps nothing: the holder sends.
    @Test func withoutTheLockNothingIsKept() throws {
        var holder = WebhookSender.SenderState()
        defer { holder.release() }
        sender.takeLock(&holder)
        let other = WebhookSender(spool: spool, settings: WebhookSettings(), logger: Logger(label: "test"))
        var state = WebhookSender.SenderState()
        defer { state.release() }
        other.takeLock(&state)
        #expect(state.lock == nil)
        let record = PendingWebhook(job: "job1", event: .done, url: "http://127.0.0.1:9/hook", body: "{}")
        try other.outbox.save(record)
        other.handle(.added(record.id), &state)
        #expect(state.pending.isEmpty)
    }
}
