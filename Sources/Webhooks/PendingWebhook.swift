import Basics
import Foundation
import Spool

/// `state/webhooks/<id>.json`: a webhook not yet delivered (SPOOL.md,
/// "Webhooks"). Written atomically, durably, when the job ends, and
/// removed once it is delivered or given up, so a supervisor that dies
/// leaves it for the next one.
public struct PendingWebhook: Codable, Sendable, Equatable {
    /// The `webhook-id` header: the same on every attempt, so a receiver
    /// can drop a webhook it has already seen.
    public var id: String
    /// The job, by its id in `done/` or `failed/`.
    public var job: String
    public var event: JobSpec.Webhook.Event
    public var url: String
    /// The body: result.json or error.json as the supervisor wrote it.
    public var body: String
    public var createdAt: String
    /// Attempts made so far.
    public var attempts: Int
    /// When the next attempt may start; nil: at once.
    public var nextAttemptAt: String?

    public init(job: String, event: JobSpec.Webhook.Event, url: String, body: String) {
        id = Self.newID()
        self.job = job
        self.event = event
        self.url = url
        self.body = body
        createdAt = Timestamp.now()
        attempts = 0
    }

    /// `msg_` and 26 random base-32 characters: a plain file name and header value.
    static func newID() -> String {
        let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")
        var generator = SystemRandomNumberGenerator()
        return "msg_" + String((0..<26).map { _ in alphabet[Int(generator.next() % 32)] })
    }

    static func isID(_ name: String) -> Bool {
        name.hasPrefix("msg_") && name.utf8.count == 30 && name.dropFirst(4).allSatisfy { $0.isASCII && ($0.isNumber || $0.isLowercase) }
    }

    enum CodingKeys: String, CodingKey {
        case id, job, event, url, body, attempts
        case createdAt = "created_at"
        case nextAttemptAt = "next_attempt_at"
    }
}
