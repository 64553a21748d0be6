import Basics
import Testing
@testable import Webhooks

@Suite struct WebhookAllowListTests {
    func list(_ entries: String...) throws -> WebhookAllowList {
        try WebhookAllowList(entries)
    }

    @Test func aHostAllowsItsDefaultPortsOnly() throws {
        let allow = try list("hooks.example.com")
        #expect(allow.allows("https://hooks.example.com/a"))
        #expect(allow.allows("http://HOOKS.example.com./a?x=1"))
        #expect(allow.allows("https://hooks.example.com:443/a"))
        #expect(!allow.allows("https://hooks.example.com:8443/a"))
        #expect(!allow.allows("https://evil.hooks.example.com/a"))
        #expect(!allow.allows("https://hooks.example.com.evil.net/a"))
        #expect(!allow.allows("https://example.com/a"))
    }

    @Test func aPortIsThatPortOnly() throws {
        let allow = try list("127.0.0.1:8080", "[::1]:9000")
        #expect(allow.allows("http://127.0.0.1:8080/"))
        #expect(!allow.allows("http://127.0.0.1/"))
        #expect(!allow.allows("http://127.0.0.1:8081/"))
        #expect(!allow.allows("http://localhost:8080/"))
        #expect(allow.allows("http://[::1]:9000/x"))
        #expect(!allow.allows("http://[::1]:9001/x"))
    }

    @Test func aWildcardIsTheHostsBelowTheDomain() throws {
        let allow = try list("*.example.com")
        #expect(allow.allows("https://a.example.com/"))
        #expect(allow.allows("https://a.b.example.com/"))
        #expect(!allow.allows("https://example.com/"))
        #expect(!allow.allows("https://aexample.com/"))
    }

    @Test func aURLPrefixIsItsSchemeHostPortAndPath() throws {
        let allow = try list("https://hooks.example.com/audio")
        #expect(allow.allows("https://hooks.example.com/audio"))
        #expect(allow.allows("https://hooks.example.com/audio/done?job=1"))
        #expect(!allow.allows("https://hooks.example.com/audiobooks"))
        #expect(!allow.allows("http://hooks.example.com/audio/x"))
        #expect(!allow.allows("https://hooks.example.com:444/audio/x"))
        #expect(!allow.allows("https://hooks.example.com/audio/../admin"))
        #expect(!allow.allows("https://hooks.example.com/audio/%2e%2e/admin"))
        #expect(!allow.allows("https://hooks.example.com/other"))
    }

    @Test func anEmptyListAllowsNothing() throws {
        #expect(!WebhookAllowList().allows("https://hooks.example.com/"))
        #expect(WebhookAllowList().isEmpty)
    }

    @Test func badEntriesAreNamed() {
        for entry in ["", "ftp://x.example.com/", "host:0", "host:70000", "host:http", "*.", "a b", "https://user@x.example.com/", "[::1"] {
            #expect(throws: DocumentError.self, "\(entry)") { try WebhookAllowList([entry]) }
        }
        do {
            _ = try WebhookAllowList(["ok.example.com", "bad host"])
            Issue.record("accepted a host with a space")
        } catch {
            #expect(error.message.contains("webhooks.allow[1]"), "\(error.message)")
        }
    }
}
