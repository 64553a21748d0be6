import Basics
import Foundation
import Spool
import Testing

@Suite struct JobWebhookTests {
    func parse(_ webhook: String) throws(DocumentError) -> JobSpec.Webhook? {
        try JobSpec.parse(Data(#"{"engine": "tone", "webhook": \#(webhook)}"#.utf8)).webhook
    }

    func message(_ webhook: String) -> String {
        do {
            _ = try parse(webhook)
            return "accepted"
        } catch {
            return error.message
        }
    }

    @Test func aWebhookIsAURLAndItsEvents() throws {
        #expect(try parse(#"{"url": "https://hooks.example.com/a"}"#) == JobSpec.Webhook(url: "https://hooks.example.com/a", events: [.done, .failed]))
        #expect(try parse(#"{"url": "http://127.0.0.1:9000/", "events": ["failed"]}"#)?.events == [.failed])
    }

    @Test func badWebhooksNameTheField() {
        #expect(message(#""https://x.example.com""#) == #"field "webhook" must be an object, but it is the string "https://x.example.com""#)
        #expect(message(#"{}"#) == #"missing required field "webhook.url""#)
        #expect(message(#"{"url": "ftp://x.example.com/"}"#) == #"field "webhook.url" must be an http or https URL, but its scheme is "ftp""#)
        #expect(message(#"{"url": "/relative"}"#).hasPrefix(#"field "webhook.url" must be an http or https URL"#))
        #expect(message(#"{"url": "https://user:pw@x.example.com/"}"#).contains("must not carry a user or password"))
        #expect(message(#"{"url": "https://x.example.com/#top"}"#).contains("must not have a fragment"))
        #expect(message(#"{"url": "https://x.example.com/a b"}"#).contains("without spaces or control characters"))
        #expect(message(#"{"url": "https://x.example.com/", "events": ["started"]}"#) == #"field "webhook.events[0]" must be one of "done", "failed", got "started""#)
        #expect(message(#"{"url": "https://x.example.com/", "events": []}"#).contains("must list at least one"))
        #expect(message(#"{"url": "https://x.example.com/", "events": ["done", "done"]}"#).contains("lists \"done\" twice"))
        #expect(message(#"{"url": "https://x.example.com/", "secret": "x"}"#).hasPrefix(#"unknown field "webhook.secret""#))
        #expect(message(#"{"url": "https://x.example.com/\#(String(repeating: "a", count: 2100))"}"#).contains("over the limit"))
    }

    @Test func theWebhookIsWrittenBackAsGiven() throws {
        let spec = try JobSpec.parse(Data(#"{"engine": "tone", "webhook": {"url": "https://x.example.com/", "events": ["done"]}}"#.utf8))
        let again = try JobSpec.parse(JSONEncoder().encode(spec))
        #expect(again.webhook == spec.webhook)
    }
}
