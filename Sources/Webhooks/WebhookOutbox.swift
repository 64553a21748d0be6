import Basics
import Foundation
import Glibc
import Spool

/// `state/webhooks/`: the webhooks not yet delivered, one file each.
public struct WebhookOutbox: Sendable {
    public let state: Spool.State

    public init(state: Spool.State) {
        self.state = state
    }

    /// Records a webhook, durably: it must survive the supervisor.
    public func save(_ webhook: PendingWebhook) throws(FileSystemError) {
        try FileSystem.createDirectories(state.webhooks)
        try state.write(webhook, to: state.webhook(id: webhook.id), durable: true)
    }

    public func remove(_ id: String) {
        unlink(state.webhook(id: id))
    }

    /// One record by its file name in the folder; nil if it is not one.
    public func read(name: String) -> PendingWebhook? {
        guard name.hasSuffix(".json"), PendingWebhook.isID(String(name.dropLast(5))) else { return nil }
        guard let record = state.read(PendingWebhook.self, from: state.webhooks + "/" + name), record.id + ".json" == name else { return nil }
        return record
    }

    /// Every record.
    public func all() -> [PendingWebhook] {
        ((try? FileSystem.list(state.webhooks)) ?? []).sorted().compactMap { read(name: $0) }
    }
}
