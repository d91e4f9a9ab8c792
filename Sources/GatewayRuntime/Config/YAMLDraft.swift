import DeviceModel

/// Turns YAML nodes into ``DraftRecord``s without knowing what any key means: text, lists and records with
/// their locations. Duplicate keys are the only thing it reports (YAML allows them; a configuration must not).
enum YAMLDraft {
    static func value(_ node: ConfigNode, file: String, path: String, issues: inout [ValidationIssue]) -> DraftValue {
        switch node {
        case let .scalar(scalar):
            if scalar.style == .plain, YAMLRecord.isNull(scalar.string) { return .empty }
            return .text(scalar.string)
        case let .sequence(sequence):
            return .list(sequence.enumerated().map { index, item in
                value(item, file: file, path: "\(path)[\(index)]", issues: &issues)
            })
        case let .mapping(mapping):
            var record = DraftRecord(path: path, origins: FieldOrigins(record: YAMLRecord.location(of: node, file: file)))
            for (keyNode, valueNode) in mapping {
                guard let key = keyNode.string else { continue }
                let keyLocation = YAMLRecord.location(of: keyNode, file: file)
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                guard record.values[key] == nil else {
                    issues.append(ValidationIssue(location: keyLocation, path: childPath, message: "duplicate key `\(key)`"))
                    continue
                }
                record.values[key] = value(valueNode, file: file, path: childPath, issues: &issues)
                record.keyOrigins[key] = keyLocation
                record.origins.set(key, YAMLRecord.location(of: valueNode, file: file) ?? keyLocation)
            }
            return .record(record)
        }
    }

    /// The named top-level sections of `top` as one record (the rest of the document is not converted).
    static func sections(_ keys: Set<String>, of top: YAMLRecord, issues: inout [ValidationIssue]) -> DraftRecord {
        var record = DraftRecord(path: "", origins: FieldOrigins(record: top.origins.record))
        for key in keys.sorted() {
            guard let node = top.values[key] else { continue }
            record.values[key] = value(node, file: top.file, path: key, issues: &issues)
            record.origins.set(key, top.origins[key])
            record.keyOrigins[key] = top.origins[key]
        }
        return record
    }
}
