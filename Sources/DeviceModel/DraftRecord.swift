/// A configuration section as written, before anything is checked: values are text, lists or nested records,
/// each with where it came from. A file reader (YAML) builds these without knowing what any key means; the
/// validators of the pure modules read them through ``DraftReader`` and say what is wrong, with `file:line:column`.
public struct DraftRecord: Sendable {
    /// The record's path, e.g. `rules[3].threshold`.
    public var path: String
    public var values: [String: DraftValue]
    /// Where each key's value (and the record) sits.
    public var origins: FieldOrigins
    /// Where each key itself sits (for "unknown key" diagnostics).
    public var keyOrigins: [String: SourceLocation]

    public init(path: String, values: [String: DraftValue] = [:], origins: FieldOrigins = FieldOrigins(),
                keyOrigins: [String: SourceLocation] = [:]) {
        self.path = path
        self.values = values
        self.origins = origins
        self.keyOrigins = keyOrigins
    }
}

/// One value of a ``DraftRecord``.
public indirect enum DraftValue: Sendable {
    case text(String)
    /// An explicit empty value (`~`, `null` or nothing after the colon).
    case empty
    case list([DraftValue])
    case record(DraftRecord)
}

/// Reads one ``DraftRecord`` for a validator: unknown keys (with a "did you mean") and values of the wrong
/// shape become issues at their location; typed accessors report what they expected.
public struct DraftReader: Sendable {
    public let record: DraftRecord

    /// `nil` (with an issue) when `value` is not a record. Unknown keys are reported and left out.
    public init?(_ value: DraftValue, path: String, location: SourceLocation?, allowedKeys: Set<String>,
                 issues: inout [ValidationIssue]) {
        guard case let .record(record) = value else {
            issues.append(ValidationIssue(location: location, path: path, message: "expected a mapping of keys to values"))
            return nil
        }
        var kept = record
        kept.path = path
        for key in record.values.keys.sorted() where !allowedKeys.contains(key) {
            var message = "unknown key `\(key)`"
            if let guess = Spelling.closest(to: key, among: allowedKeys.sorted()) { message += " (did you mean `\(guess)`?)" }
            issues.append(ValidationIssue(location: record.keyOrigins[key] ?? record.origins.location(of: key),
                                          path: record.path.isEmpty ? key : "\(record.path).\(key)", message: message))
            kept.values[key] = nil
        }
        self.record = kept
    }

    public var path: String { record.path }
    public var origins: FieldOrigins { record.origins }
    public func has(_ key: String) -> Bool { record.values[key] != nil }
    public func value(_ key: String) -> DraftValue? { record.values[key] }

    public func issue(_ key: String?, _ message: String) -> ValidationIssue {
        ValidationIssue(location: record.origins.location(of: key), path: key.map(childPath) ?? record.path, message: message)
    }

    /// The path of `key` in this record (`rules[3].id`; a top-level key is its own path).
    public func childPath(_ key: String) -> String { record.path.isEmpty ? key : "\(record.path).\(key)" }

    /// A single value as text (`nil` when absent or empty); a list or mapping where text belongs is an issue.
    public func text(_ key: String, issues: inout [ValidationIssue]) -> String? {
        switch record.values[key] {
        case nil, .empty?: return nil
        case let .text(text)?: return text
        default:
            issues.append(issue(key, "expected a single value"))
            return nil
        }
    }

    /// A list's items (empty when absent or empty); anything else is an issue.
    public func list(_ key: String, issues: inout [ValidationIssue]) -> [DraftValue] {
        switch record.values[key] {
        case nil, .empty?: return []
        case let .list(items)?: return items
        default:
            issues.append(issue(key, "expected a list"))
            return []
        }
    }

    /// A list of single values (`[sms, wechat]`); `nil` when absent.
    public func textList(_ key: String, issues: inout [ValidationIssue]) -> [String]? {
        guard has(key) else { return nil }
        var result: [String] = []
        for item in list(key, issues: &issues) {
            if case let .text(text) = item { result.append(text) } else {
                issues.append(issue(key, "expected a list of single values"))
            }
        }
        return result
    }

    /// One value or a list of them (`names: fall_detected` or `names: [a, b]`); `nil` when absent.
    public func oneOrMore(_ key: String, issues: inout [ValidationIssue]) -> [String]? {
        if case let .text(text)? = record.values[key] { return [text] }
        return textList(key, issues: &issues)
    }

    /// A nested record read with its own allowed keys; `nil` when absent (or not a record, with an issue).
    public func nested(_ key: String, allowedKeys: Set<String>, issues: inout [ValidationIssue]) -> DraftReader? {
        guard let value = record.values[key] else { return nil }
        if case .empty = value { return nil }
        return DraftReader(value, path: childPath(key), location: record.origins.location(of: key),
                           allowedKeys: allowedKeys, issues: &issues)
    }

    /// The records of a list, each read with `allowedKeys` (items that are not records are reported).
    public func records(_ key: String, allowedKeys: Set<String>, issues: inout [ValidationIssue]) -> [DraftReader] {
        list(key, issues: &issues).enumerated().compactMap { index, item in
            DraftReader(item, path: "\(childPath(key))[\(index)]", location: record.origins.location(of: key),
                        allowedKeys: allowedKeys, issues: &issues)
        }
    }

    public func duration(_ key: String, issues: inout [ValidationIssue]) -> Int? {
        guard let text = text(key, issues: &issues) else { return nil }
        guard let seconds = DurationText.seconds(text) else {
            issues.append(issue(key, "expected a duration such as 90s, 10m, 12h or 7d, found \"\(text)\""))
            return nil
        }
        return seconds
    }

    public func number(_ key: String, issues: inout [ValidationIssue]) -> Double? {
        guard let text = text(key, issues: &issues) else { return nil }
        guard let value = Double(text), value.isFinite else {
            issues.append(issue(key, "expected a number, found \"\(text)\""))
            return nil
        }
        return value
    }

    public func bool(_ key: String, issues: inout [ValidationIssue]) -> Bool? {
        guard let text = text(key, issues: &issues) else { return nil }
        guard let value = ["true": true, "false": false, "yes": true, "no": false][text.lowercased()] else {
            issues.append(issue(key, "expected true or false"))
            return nil
        }
        return value
    }

    /// A whole number of at least `minimum`.
    public func count(_ key: String, minimum: Int, issues: inout [ValidationIssue]) -> Int? {
        guard let text = text(key, issues: &issues) else { return nil }
        guard let value = Int(text), value >= minimum else {
            issues.append(issue(key, "expected a whole number of at least \(minimum)"))
            return nil
        }
        return value
    }
}
