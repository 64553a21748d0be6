import Testing
@testable import Webhooks

@Suite struct WebhookAddressCheckTests {
    @Test func thisHostAndLinkLocalAreForbidden() {
        #expect(WebhookAddressCheck.forbidden(ipv4: [127, 0, 0, 1]) != nil)
        #expect(WebhookAddressCheck.forbidden(ipv4: [127, 9, 9, 9]) != nil)
        #expect(WebhookAddressCheck.forbidden(ipv4: [0, 0, 0, 0]) != nil)
        #expect(WebhookAddressCheck.forbidden(ipv4: [169, 254, 169, 254]) != nil)
        #expect(WebhookAddressCheck.forbidden(ipv4: [224, 0, 0, 1]) != nil)
        #expect(WebhookAddressCheck.forbidden(ipv6: [UInt8](repeating: 0, count: 15) + [1]) != nil)
        #expect(WebhookAddressCheck.forbidden(ipv6: [UInt8](repeating: 0, count: 16)) != nil)
        #expect(WebhookAddressCheck.forbidden(ipv6: [0xfe, 0x80] + [UInt8](repeating: 0, count: 13) + [1]) != nil)
        // ::ffff:127.0.0.1
        #expect(WebhookAddressCheck.forbidden(ipv6: [UInt8](repeating: 0, count: 10) + [0xff, 0xff, 127, 0, 0, 1]) != nil)
    }

    @Test func otherAddressesPass() {
        #expect(WebhookAddressCheck.forbidden(ipv4: [10, 1, 2, 3]) == nil)
        #expect(WebhookAddressCheck.forbidden(ipv4: [192, 168, 1, 1]) == nil)
        #expect(WebhookAddressCheck.forbidden(ipv4: [93, 184, 216, 34]) == nil)
        #expect(WebhookAddressCheck.forbidden(ipv6: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]) == nil)
    }

    @Test func addressesAndLocalhostAreTakenAsTheAllowListSays() {
        #expect(WebhookAddressCheck.refusal(host: "127.0.0.1") == nil)
        #expect(WebhookAddressCheck.refusal(host: "::1") == nil)
        #expect(WebhookAddressCheck.refusal(host: "localhost") == nil)
    }

    @Test func aNameThatResolvesNowhereIsRefused() {
        #expect(WebhookAddressCheck.refusal(host: "no-such-host.invalid")?.contains("cannot resolve") == true)
    }
}
