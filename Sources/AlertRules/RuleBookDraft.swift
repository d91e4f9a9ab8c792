import DeviceModel

/// The rule sections of a configuration document as written: `settings`, `rules`, `overrides`, `silences`.
/// ``RuleBookValidator`` turns it into a ``RuleBook`` and silences, or into issues with their locations.
public struct RuleBookDraft: Sendable {
    /// The document's top level; the validator reads only the sections it owns.
    public var document: DraftRecord

    public init(document: DraftRecord) {
        self.document = document
    }

    /// The sections the rule book owns at the top of `devices.yaml`.
    public static let sections: Set<String> = ["settings", "rules", "overrides", "silences"]
}
