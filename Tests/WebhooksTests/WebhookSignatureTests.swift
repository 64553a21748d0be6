import Foundation
import Testing
@testable import Webhooks

@Suite struct WebhookSignatureTests {
    /// Standard Webhooks' own example: secret, id, timestamp and payload
    /// with the signature its reference libraries give.
    @Test func theStandardWebhooksExampleSigns() throws {
        let key = try #require(Data(base64Encoded: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let signature = WebhookSignature.sign(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Data(#"{"test": 2432232314}"#.utf8), key: key)
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func everyPartIsSigned() throws {
        let key = Data(repeating: 7, count: 32)
        let body = Data("{}".utf8)
        let base = WebhookSignature.sign(id: "msg_a", timestamp: 1, body: body, key: key)
        #expect(WebhookSignature.sign(id: "msg_b", timestamp: 1, body: body, key: key) != base)
        #expect(WebhookSignature.sign(id: "msg_a", timestamp: 2, body: body, key: key) != base)
        #expect(WebhookSignature.sign(id: "msg_a", timestamp: 1, body: Data("{ }".utf8), key: key) != base)
        #expect(WebhookSignature.sign(id: "msg_a", timestamp: 1, body: body, key: Data(repeating: 8, count: 32)) != base)
    }
}
