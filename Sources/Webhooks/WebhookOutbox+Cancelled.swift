import Basics
import Foundation
import Spool

extension WebhookOutbox {
    /// A job cancelled while it was still in `new/` (`cancelPending`, by
    /// `audiospool cancel`, `serve` or a supervisor) ends in `failed/`
    /// without a supervisor finishing it; its `failed` webhook is recorded
    /// here all the same, with its error.json byte for byte, for the
    /// supervisor that holds the send lock (which sees the record by
    /// inotify, or by its scan). Best effort, like the events log: the
    /// cancel has happened either way.
    public static func jobCancelledBeforeRunning(_ id: String, in spool: Spool, settings: WebhookSettings, limits: SpoolLimits = SpoolLimits()) {
        guard let directory = try? ConfinedDirectory(path: spool.path(of: .failed, id)),
            let job = try? directory.read("job.json", limit: limits.maxJobBytes),
            let webhook = (try? JobSpec.parse(job, limits: limits))?.webhook, webhook.events.contains(.failed)
        else { return }
        if let refusal = settings.refusal(webhook) {
            spool.record(.webhookRefused, job: id) { $0.message = refusal }
            return
        }
        do {
            let body = try directory.read("error.json", limit: 16 << 20)
            let record = PendingWebhook(job: id, event: .failed, url: webhook.url, body: String(decoding: body, as: UTF8.self))
            try WebhookOutbox(state: spool.state).save(record)
        } catch {
            spool.record(.webhookGaveUp, job: id) { $0.message = "cannot record the webhook in state/webhooks/: \(error)" }
        }
    }
}
