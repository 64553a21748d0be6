import Basics
import Foundation
import Spool
import Testing
@testable import Webhooks

@Suite struct WebhookSettingsTests {
    func read(_ json: String) throws(DocumentError) -> WebhookSettings {
        let config = try SpoolConfig.parse(Data(#"{"webhooks": \#(json)}"#.utf8))
        return try config.section(WebhookSettings.self)
    }

    @Test func theSectionIsReadStrictly() throws {
        let settings = try read(#"{"allow": ["127.0.0.1:9000"], "timeout_s": 2, "max_attempts": 4, "backoff_s": 1, "backoff_max_s": 30}"#)
        #expect(settings.allow.allows("http://127.0.0.1:9000/"))
        #expect(settings.timeoutSeconds == 2 && settings.maxAttempts == 4 && settings.backoffSeconds == 1 && settings.backoffMaxSeconds == 30)
        #expect(throws: DocumentError("unknown field \"webhooks.alow\" (known fields: \"allow\", \"backoff_max_s\", \"backoff_s\", \"max_attempts\", \"timeout_s\")")) {
            try read(#"{"alow": []}"#)
        }
        #expect(throws: DocumentError.self) { try read(#"{"max_attempts": 0}"#) }
        #expect(throws: DocumentError.self) { try read(#"{"allow": "127.0.0.1"}"#) }
    }

    @Test func theDefaultsSendNothingAndShowEveryField() throws {
        #expect(WebhookSettings().allow.isEmpty)
        let value = WebhookSettings().configValue
        let again = try WebhookSettings(config: JSONObjectReader(value.objectValue ?? [:], path: "webhooks"))
        #expect(again == WebhookSettings())
        #expect(Set(value.objectValue?.keys.map { $0 } ?? []) == ["allow", "timeout_s", "max_attempts", "backoff_s", "backoff_max_s"])
    }

    @Test func theBackoffDoublesUpToItsCap() {
        let settings = WebhookSettings(backoffSeconds: 2, backoffMaxSeconds: 10)
        #expect((1.5...2.5).contains(settings.delay(afterAttempt: 1)))
        #expect((3...5).contains(settings.delay(afterAttempt: 2)))
        #expect((7.5...12.5).contains(settings.delay(afterAttempt: 9)))
    }
}
