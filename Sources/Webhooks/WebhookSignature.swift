import Crypto
import Foundation

/// Standard Webhooks' signature: `v1,` and the base64 HMAC-SHA256, keyed
/// with the secret's bytes, of `id.timestamp.body`.
public enum WebhookSignature {
    public static func sign(id: String, timestamp: Int, body: Data, key: Data) -> String {
        var message = Data("\(id).\(timestamp).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }
}
