/// One problem found while validating a registry or a single record. All issues are collected,
/// not just the first, so an installer can fix a file in one pass.
public struct ValidationIssue: Sendable, Hashable, CustomStringConvertible, Error {
    /// Where the offending value sits, when known (YAML); `nil` for records that came from code or HTTP.
    public var location: SourceLocation?
    /// The path of the offending value, e.g. `devices[3].type`.
    public var path: String
    /// What is wrong, in one sentence, without personal data.
    public var message: String

    public init(location: SourceLocation?, path: String, message: String) {
        self.location = location
        self.path = path
        self.message = message
    }

    public var description: String {
        let subject = path.isEmpty ? message : "\(path): \(message)"
        if let location { return "\(location): error: \(subject)" }
        return "error: \(subject)"
    }
}

/// Thrown when a registry or record has one or more validation issues.
public struct ValidationFailure: Error, Sendable, CustomStringConvertible {
    public var issues: [ValidationIssue]
    public init(issues: [ValidationIssue]) { self.issues = issues }
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
