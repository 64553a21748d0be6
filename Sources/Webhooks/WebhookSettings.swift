import Spool

/// config.json's `webhooks`: where webhooks may go and how hard the spool
/// tries. With an empty allow-list the spool sends none, and a job that
/// asks for one is failed as `bad_input` when it is claimed.
public struct WebhookSettings: Sendable, Equatable {
    /// The destinations a job's webhook may name.
    public var allow: WebhookAllowList
    /// One attempt's limit: connecting, sending and the answer.
    public var timeoutSeconds: Double
    /// Attempts before a webhook is given up.
    public var maxAttempts: Int
    /// The wait after the first failed attempt; it doubles after each,
    /// up to `backoffMaxSeconds`, ±25%.
    public var backoffSeconds: Double
    public var backoffMaxSeconds: Double

    public init(
        allow: WebhookAllowList = WebhookAllowList(), timeoutSeconds: Double = 10, maxAttempts: Int = 10,
        backoffSeconds: Double = 5, backoffMaxSeconds: Double = 3600
    ) {
        self.allow = allow
        self.timeoutSeconds = timeoutSeconds
        self.maxAttempts = maxAttempts
        self.backoffSeconds = backoffSeconds
        self.backoffMaxSeconds = backoffMaxSeconds
    }

    /// The wait after attempt `attempt` failed.
    public func delay(afterAttempt attempt: Int) -> Double {
        let exponential = backoffSeconds * Double(1 << min(max(0, attempt - 1), 30))
        return min(backoffMaxSeconds, exponential) * Double.random(in: 0.75...1.25)
    }

    /// Why `webhook` may not be sent; nil if it may (or there is none).
    /// The one message a job gets for it, at submission (`submit`, `serve`)
    /// or at the claim (a dropped job).
    public func refusal(_ webhook: JobSpec.Webhook?) -> String? {
        guard let webhook else { return nil }
        if allow.isEmpty {
            return "field \"webhook.url\": this spool sends no webhooks (config.json's webhooks.allow is empty)"
        }
        guard allow.allows(webhook.url) else {
            let allowed = allow.entries.map { "\"\($0.text)\"" }.joined(separator: ", ")
            return "field \"webhook.url\": \(webhook.url) is not allowed by config.json's webhooks.allow (\(allowed))"
        }
        return nil
    }
}
