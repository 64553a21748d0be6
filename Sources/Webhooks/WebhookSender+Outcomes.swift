import Basics
import Foundation
import Spool

/// What becomes of a webhook after an attempt: removed once delivered or
/// given up, else saved with its next attempt's time; each outcome is a
/// line in events.jsonl.
extension WebhookSender {
    func conclude(_ record: PendingWebhook, _ outcome: WebhookDelivery.Outcome, _ state: inout SenderState) {
        var record = record
        record.attempts += 1
        let attempts = record.attempts
        switch outcome {
        case .delivered(let status):
            logger.info("webhook delivered", metadata: ["job": "\(record.job)", "webhook": "\(record.id)", "status": "\(status)"])
            // The event before the record goes: whoever sees the record
            // gone finds the event, and a crash between the two only sends
            // the webhook again (at least once).
            spool.record(.webhookDelivered, job: record.job) { event in
                event.webhook = record.id
                event.attempt = attempts
                event.httpStatus = status
            }
            outbox.remove(record.id)
            state.pending[record.id] = nil
        case .refused(let reason):
            giveUp(record, status: nil, message: reason, &state)
        case .failed(let status, let message) where attempts >= settings.maxAttempts:
            giveUp(record, status: status, message: "gave up after \(attempts) attempts; the last: \(message)", &state)
        case .failed(let status, let message):
            let retryAt = Timestamp.string(Date().addingTimeInterval(settings.delay(afterAttempt: attempts)))
            record.nextAttemptAt = retryAt
            do {
                try outbox.save(record)
            } catch {
                // The count is lost, not the webhook: the old record stays.
                logger.error("cannot update a webhook's record", metadata: ["webhook": "\(record.id)", "error": "\(error)"])
            }
            state.pending[record.id] = record
            logger.warning(
                "webhook attempt failed; will retry",
                metadata: ["job": "\(record.job)", "webhook": "\(record.id)", "attempt": "\(attempts)", "error": "\(message)"])
            spool.record(.webhookFailed, job: record.job) { event in
                event.webhook = record.id
                event.attempt = attempts
                event.httpStatus = status
                event.message = message
                event.retryAt = retryAt
            }
        }
    }

    private func giveUp(_ record: PendingWebhook, status: Int?, message: String, _ state: inout SenderState) {
        logger.error("webhook given up", metadata: ["job": "\(record.job)", "webhook": "\(record.id)", "error": "\(message)"])
        spool.record(.webhookGaveUp, job: record.job) { event in
            event.webhook = record.id
            event.attempt = record.attempts
            event.httpStatus = status
            event.message = message
        }
        outbox.remove(record.id)
        state.pending[record.id] = nil
    }
}
