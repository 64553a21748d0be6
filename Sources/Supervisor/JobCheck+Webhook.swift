import Basics
import Spool
import Webhooks

extension JobCheck {
    /// A webhook the spool's allow-list refuses, refused when the job is
    /// submitted (`submit`, `serve`), with the message the claim would
    /// give: accepted, the job would only fail later, or its submitter
    /// wait for a call that never comes.
    public static func checkWebhook(_ job: JobSpec, config: SpoolConfig) throws(Failure) {
        guard job.webhook != nil else { return }
        let settings: WebhookSettings
        do {
            settings = try config.section(WebhookSettings.self)
        } catch {
            throw Failure(kind: .badInput, message: "config.json: \(error.message)")
        }
        if let refusal = settings.refusal(job.webhook) { throw Failure(kind: .badInput, message: refusal) }
    }
}
