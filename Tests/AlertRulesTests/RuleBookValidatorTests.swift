import AlertRules
import DeviceModel
import Testing

/// The rule book is checked from a draft, without a file: what a YAML reader or an HTTP body would hand over.
@Suite struct RuleBookValidatorTests {
    private func record(_ path: String, _ values: [String: DraftValue]) -> DraftValue {
        .record(DraftRecord(path: path, values: values))
    }

    private func document(rules: [DraftValue], settings: DraftValue? = nil) -> RuleBookDraft {
        var values: [String: DraftValue] = ["rules": .list(rules)]
        if let settings { values["settings"] = settings }
        return RuleBookDraft(document: DraftRecord(path: "", values: values))
    }

    @Test func aValidDraftBecomesARuleBook() {
        let fall = record("rules[0]", [
            "id": .text("fall"), "title": .text("跌倒报警"), "severity": .text("critical"),
            "applies_to": .list([.text("fall_radar")]),
            "event": record("rules[0].event", ["names": .text("fall_detected")]),
            "escalation": record("rules[0].escalation", ["community_after": .text("5m"), "street_after": .text("15m")]),
        ])
        let result = RuleBookValidator().validate(document(rules: [fall], settings: record("settings", ["utc_offset": .text("+08:00")])),
                                                  registry: nil)
        #expect(result.issues.isEmpty)
        #expect(result.ruleBook.rules.map(\.id) == ["fall"])
        #expect(result.ruleBook.rules.first?.escalation == EscalationPolicy(toCommunityAfter: 300, toStreetAfter: 900))
        #expect(result.ruleBook.calendar.utcOffsetSeconds == 8 * 3600)
    }

    @Test func everyConditionKindNamesItsOwnKeys() {
        let rule = record("rules[0]", [
            "id": .text("hr"), "title": .text("心率"), "severity": .text("major"), "applies_to": .list([.text("wristband")]),
            "sustained": record("rules[0].sustained", ["metric": .text("heart_rate"), "above": .text("120"), "within": .text("5m")]),
        ])
        let result = RuleBookValidator().validate(document(rules: [rule]), registry: nil)
        let messages = result.issues.map(\.description)
        #expect(messages.contains("error: rules[0].sustained.within: unknown key `within` (did you mean `for`?)")
                || messages.contains { $0.hasPrefix("error: rules[0].sustained.within: unknown key `within`") })
        #expect(messages.contains("error: rules[0].sustained.for: `for` (how long the condition must hold) is required"))
        #expect(result.ruleBook.rules.isEmpty)
        for kind in RuleConditionKind.allCases {
            #expect(!kind.keys.isEmpty)
        }
    }
}
