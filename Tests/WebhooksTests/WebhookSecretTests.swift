import AudioSpoolTestKit
import Foundation
import Glibc
import Testing
@testable import Webhooks

@Suite struct WebhookSecretTests {
    @Test func theSecretIsMadeOnceOwnerOnly() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("webhook-secret")
        let made = try WebhookSecret.loadOrCreate(at: path)
        #expect(made.key.count == 32)
        #expect(try WebhookSecret.loadOrCreate(at: path) == made)
        var info = stat()
        #expect(lstat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("whsec_") && text.hasSuffix("\n"))
        #expect(Data(base64Encoded: String(text.dropFirst(6).dropLast())) == made.key)
        // No temporaries left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["webhook-secret"])
    }

    @Test func aSymlinkIsNeverFollowed() throws {
        let directory = TemporaryDirectory()
        let victim = directory.write("victim", "whsec_" + Data(repeating: 1, count: 32).base64EncodedString())
        let path = directory.file("webhook-secret")
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: victim)
        #expect(throws: (any Error).self) { try WebhookSecret.loadOrCreate(at: path) }
    }

    @Test func aMalformedSecretIsAnError() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("webhook-secret", "not a secret")
        #expect(throws: (any Error).self) { try WebhookSecret.loadOrCreate(at: path) }
    }
}
