import AlertRules
import DeviceModel

/// Reads the `settings`, `rules`, `overrides` and `silences` sections of `devices.yaml` as a ``RuleBookDraft``
/// and hands it to ``RuleBookValidator`` (which documents the keys); `settings.retention` is ``RetentionPolicy``.
enum RuleBookLoader {
    static func read(_ top: YAMLRecord, registry: DeviceRegistry?, issues: inout [ValidationIssue]) -> (RuleBook, [Silence], RetentionPolicy) {
        let draft = RuleBookDraft(document: YAMLDraft.sections(RuleBookDraft.sections, of: top, issues: &issues))
        let result = RuleBookValidator(otherSettingKeys: ["retention"]).validate(draft, registry: registry)
        issues += result.issues
        let (retention, retentionIssues) = RetentionPolicy.read(draft.document)
        issues += retentionIssues
        return (result.ruleBook, result.silences, retention)
    }
}
