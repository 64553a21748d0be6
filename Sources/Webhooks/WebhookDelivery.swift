import AsyncHTTPClient
import Foundation

/// One attempt to deliver a webhook: checks, signs and POSTs it.
struct WebhookDelivery: Sendable {
    enum Outcome: Sendable, Equatable {
        /// The receiver answered 2xx.
        case delivered(status: Int)
        /// Anything else; `status` when it answered at all.
        case failed(status: Int?, message: String)
        /// It may never be sent (no longer allowed): give up now.
        case refused(String)
    }

    /// The shared client, for destinations written as addresses.
    let client: HTTPClient
    /// Its configuration, for the client of an attempt pinned to an address.
    let configuration: HTTPClient.Configuration
    let settings: WebhookSettings
    let key: @Sendable () throws -> Data

    func attempt(_ webhook: PendingWebhook) async -> Outcome {
        // The allow-list may have changed since the job ended.
        guard settings.allow.allows(webhook.url), let target = WebhookTarget(webhook.url) else {
            return .refused("\(webhook.url) is not allowed by config.json's webhooks.allow")
        }
        let resolution = WebhookAddressCheck.resolve(host: target.host)
        if case .refused(let reason) = resolution {
            // A name that resolves nowhere, or somewhere it may not: DNS may change back.
            return .failed(status: nil, message: reason)
        }
        let key: Data
        do {
            key = try self.key()
        } catch {
            return .failed(status: nil, message: "cannot read the webhook secret: \(error)")
        }
        let body = Data(webhook.body.utf8)
        let timestamp = Int(Date().timeIntervalSince1970)
        var request = HTTPClientRequest(url: webhook.url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "user-agent", value: "audiospool-webhooks")
        request.headers.add(name: "webhook-id", value: webhook.id)
        request.headers.add(name: "webhook-timestamp", value: String(timestamp))
        request.headers.add(name: "webhook-signature", value: WebhookSignature.sign(id: webhook.id, timestamp: timestamp, body: body, key: key))
        request.body = .bytes(Array(body))
        guard case .pinned(let address) = resolution else { return await send(request, with: client) }
        // A client of its own, that connects to the address just checked.
        var configuration = self.configuration
        let written = URLComponents(string: webhook.url)?.host ?? target.host
        configuration.dnsOverride[target.host] = address
        configuration.dnsOverride[written] = address
        let pinned = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let outcome = await send(request, with: pinned)
        try? await pinned.shutdown()
        return outcome
    }

    private func send(_ request: HTTPClientRequest, with client: HTTPClient) async -> Outcome {
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(settings.timeoutSeconds * 1000)))
            let status = Int(response.status.code)
            // Read (a little of) the answer so the connection can be reused.
            _ = try? await response.body.collect(upTo: 64 << 10)
            switch status {
            case 200..<300:
                return .delivered(status: status)
            case 300..<400:
                let location = response.headers.first(name: "location").map { " to \($0)" } ?? ""
                return .failed(status: status, message: "the receiver answered \(status), a redirect\(location); redirects are never followed")
            default:
                return .failed(status: status, message: "the receiver answered \(status)")
            }
        } catch {
            return .failed(status: nil, message: "\(error)")
        }
    }
}
