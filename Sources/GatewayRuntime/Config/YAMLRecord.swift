import DeviceModel

/// Reads one YAML mapping as a record: known keys with their locations, unknown or duplicate keys and
/// values of the wrong shape reported as issues with their `file:line:column`.
struct YAMLRecord {
    let file: String
    let path: String
    let node: ConfigNode
    private(set) var values: [String: ConfigNode] = [:]
    var origins: FieldOrigins

    init?(_ node: ConfigNode, file: String, path: String, allowedKeys: Set<String>, issues: inout [ValidationIssue]) {
        self.file = file
        self.path = path
        self.node = node
        self.origins = FieldOrigins(record: Self.location(of: node, file: file))
        guard case let .mapping(mapping) = node else {
            issues.append(ValidationIssue(location: origins.record, path: path, message: "expected a mapping of keys to values"))
            return nil
        }
        values.reserveCapacity(mapping.pairs.count)
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.string else { continue }
            let keyLocation = Self.location(of: keyNode, file: file)
            guard allowedKeys.contains(key) else {
                var message = "unknown key `\(key)`"
                if let guess = closestKey(key, allowedKeys) { message += " (did you mean `\(guess)`?)" }
                issues.append(ValidationIssue(location: keyLocation, path: childPath(key), message: message))
                continue
            }
            guard values[key] == nil else {
                issues.append(ValidationIssue(location: keyLocation, path: childPath(key), message: "duplicate key `\(key)`"))
                continue
            }
            values[key] = valueNode
            origins.set(key, Self.location(of: valueNode, file: file) ?? keyLocation)
        }
    }

    /// A scalar value as text (`nil` when absent or `null`); a mapping or list where text belongs is an issue.
    func scalar(_ key: String, issues: inout [ValidationIssue]) -> String? {
        guard let node = values[key] else { return nil }
        switch node {
        case let .scalar(scalar):
            if scalar.style == .plain, Self.isNull(scalar.string) { return nil }
            return scalar.string
        default:
            issues.append(ValidationIssue(location: origins[key], path: childPath(key), message: "expected a single value"))
            return nil
        }
    }

    /// A list value's items (empty when absent); anything else is an issue.
    func sequence(_ key: String, issues: inout [ValidationIssue]) -> [ConfigNode] {
        guard let node = values[key] else { return [] }
        guard case let .sequence(sequence) = node else {
            if case let .scalar(scalar) = node, scalar.style == .plain, Self.isNull(scalar.string) { return [] }
            issues.append(ValidationIssue(location: origins[key], path: childPath(key), message: "expected a list"))
            return []
        }
        return Array(sequence)
    }

    /// A list of scalars (`[sms, wechat]`).
    func scalarList(_ key: String, issues: inout [ValidationIssue]) -> [String]? {
        guard values[key] != nil else { return nil }
        var result: [String] = []
        for item in sequence(key, issues: &issues) {
            if let text = item.string { result.append(text) } else {
                issues.append(ValidationIssue(location: Self.location(of: item, file: file), path: childPath(key),
                                              message: "expected a list of single values"))
            }
        }
        return result
    }

    /// The path of `key` in this record (a top-level key is its own path).
    func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// `null`, `~` or nothing, written plain: no value.
    static func isNull(_ text: String) -> Bool { text.isEmpty || text == "null" || text == "~" }

    static func location(of node: ConfigNode, file: String) -> SourceLocation? {
        node.mark.map { SourceLocation(file: file, line: $0.line, column: $0.column) }
    }

    private func closestKey(_ key: String, _ allowed: Set<String>) -> String? {
        Spelling.closest(to: key, among: allowed.sorted())
    }
}
