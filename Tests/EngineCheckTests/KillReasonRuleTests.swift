import EngineHost
@testable import EngineCheck
import Testing

/// Each reason the host kills an engine for lands under the rule it breaks
/// (or under none, where the step that provoked it reports it itself).
@Suite struct KillReasonRuleTests {
    @Test(arguments: [
        (KillReason.lineTooLong(limit: 1 << 20), CheckRule?.some(.protocolOnly)),
        (.notJSONRPC(excerpt: "\"WARNING\""), .protocolOnly),
        (.neitherResponseNorNotification(excerpt: "[]"), .protocolOnly),
        (.unknownResponseID(.int(999)), .oneResponse),
        (.unknownResponseID(.string("2")), .oneResponse),
        (.unknownResponseID(nil), .oneResponse),
        (.unsupportedProtocolVersion(9), nil),
        (.ignoredCancel(seconds: 5), nil),
        (.ignoredShutdown(seconds: 5), nil),
        (.ignoredStdinEOF, nil),
        (.deadline("engine x did not answer run within 1.0s"), nil),
        (.unansweredPing("timeout"), nil),
        (.closedStdoutWithoutExiting, nil),
        (.killedBeforeStart, nil),
    ])
    func reasonsLandUnderTheirRule(reason: KillReason, rule: CheckRule?) {
        #expect(EngineCheck.rule(brokenBy: reason) == rule, "\(reason)")
    }

    @Test func aStringIdIsNamedAsOne() {
        #expect(KillReason.unknownResponseID(.string("1")).description.contains("id \"1\", a string"))
        #expect(KillReason.unknownResponseID(.int(1)).description.hasSuffix("(id 1)"))
    }
}
