import Foundation

// Helpers of RegistryValidator: the id and phone-number checks it reports through (the references a
// validation checks against are ``RegistryContext``).

/// The shape of a stored secret hash: SHA-256 as 64 lowercase hex digits.
public enum APISecretHash {
    public static func isValid(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}

/// Collects issues, resolving each to the location of the value at fault.
struct IssueList {
    private(set) var issues: [ValidationIssue] = []
    var count: Int { issues.count }
    var isEmpty: Bool { issues.isEmpty }

    /// Issues in file order (those without a location last), then by path.
    var sorted: [ValidationIssue] {
        issues.sorted { lhs, rhs in
            switch (lhs.location, rhs.location) {
            case let (l?, r?): (l.line, l.column, lhs.path) < (r.line, r.column, rhs.path)
            case (.some, nil): true
            case (nil, .some): false
            case (nil, nil): lhs.path < rhs.path
            }
        }
    }

    mutating func append(contentsOf other: [ValidationIssue]) { issues.append(contentsOf: other) }

    mutating func add(_ origins: FieldOrigins, _ path: String, _ field: String?, _ message: String) {
        let fullPath = field.map { "\(path).\($0)" } ?? path
        issues.append(ValidationIssue(location: origins.location(of: field), path: fullPath, message: message))
    }

    mutating func required(_ value: String?, _ origins: FieldOrigins, _ path: String, _ field: String) -> String? {
        guard let value, !value.isEmpty else {
            add(origins, path, field, "`\(field)` is required")
            return nil
        }
        return value
    }

    mutating func identifier(_ value: String?, origins: FieldOrigins, path: String, field: String) -> String? {
        guard let value = required(value, origins, path, field) else { return nil }
        guard ContactRules.isValidIdentifier(value) else {
            add(origins, path, field,
                "id \"\(value)\" must be 1–64 ASCII letters, digits, '_', '-' or '.', starting with a letter or digit")
            return nil
        }
        return value
    }

    mutating func mobile(_ value: String, _ origins: FieldOrigins, _ path: String, _ field: String) -> String? {
        guard let phone = ContactRules.normalizedMobile(value) else {
            add(origins, path, field, "not a mainland mobile number (11 digits starting 13–19)")
            return nil
        }
        return phone
    }
}

/// `true`/`false` as YAML and JSON users write them.
enum BooleanText {
    static func value(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on": true
        case "false", "no", "off": false
        default: nil
        }
    }
}
