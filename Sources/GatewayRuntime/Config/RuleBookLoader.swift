import AlertRules
import DeviceModel

/// Reads the `settings`, `rules`, `overrides` and `silences` sections of `devices.yaml` as a ``RuleBookDraft``
/// and hands it to ``RuleBookValidator`` (which documents the keys).
enum RuleBookLoader {
    static func read(_ top: YAMLRecord, registry: DeviceRegistry?, issues: inout [ValidationIssue]) -> (RuleBook, [Silence]) {
        let draft = RuleBookDraft(document: YAMLDraft.sections(RuleBookDraft.sections, of: top, issues: &issues))
        let result = RuleBookValidator().validate(draft, registry: registry)
        issues += result.issues
        return (result.ruleBook, result.silences)
    }
}
