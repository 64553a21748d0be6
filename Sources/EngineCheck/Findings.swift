/// What the check has seen so far, rule by rule: failures, and notes that
/// explain a pass.
struct Findings {
    private var failures: [CheckRule: [String]] = [:]
    private var notes: [CheckRule: [String]] = [:]
    private var unchecked: [CheckRule: String] = [:]

    mutating func fail(_ rule: CheckRule, _ reason: String) {
        failures[rule, default: []].append(reason)
    }

    mutating func note(_ rule: CheckRule, _ text: String) {
        notes[rule, default: []].append(text)
    }

    /// Marks a rule that could not be checked, unless it already failed.
    mutating func skip(_ rule: CheckRule, because reason: String) {
        if failures[rule] == nil && unchecked[rule] == nil { unchecked[rule] = reason }
    }

    func failed(_ rule: CheckRule) -> Bool { failures[rule] != nil }

    /// Whether anything was seen about `rule`, failure or note.
    func saw(_ rule: CheckRule) -> Bool { failures[rule] != nil || notes[rule] != nil }

    func outcomes() -> [CheckOutcome] {
        CheckRule.allCases.map { rule in
            if let reasons = failures[rule] {
                return CheckOutcome(rule: rule, status: .failed, reason: Self.join(reasons))
            }
            if let reason = unchecked[rule] {
                return CheckOutcome(rule: rule, status: .notChecked, reason: reason)
            }
            return CheckOutcome(rule: rule, status: .passed, reason: Self.join(notes[rule] ?? []))
        }
    }

    private static func join(_ texts: [String]) -> String {
        var unique: [String] = []
        for text in texts where !unique.contains(text) { unique.append(text) }
        return unique.prefix(4).joined(separator: "; ") + (unique.count > 4 ? "; …" : "")
    }
}
