import DeviceModel

/// Why a configuration file could not be used. Every variant says where (`file:line:column` when known)
/// and what is wrong; `description` is what `gatewayd check` prints.
public enum ConfigFileError: Error, Sendable, CustomStringConvertible {
    /// The file cannot be read (missing, permissions, not UTF-8).
    case unreadable(file: String, reason: String)
    /// The text is not valid YAML.
    case syntax(SourceLocation, String)
    /// The YAML is valid but its content is not: every issue, in file order.
    case invalid([ValidationIssue])

    public var description: String {
        switch self {
        case let .unreadable(file, reason): "\(file): error: \(reason)"
        case let .syntax(location, message): "\(location): error: \(message)"
        case let .invalid(issues): issues.map(\.description).joined(separator: "\n")
        }
    }

    /// All issues, one per line of `gatewayd check` output.
    public var issues: [ValidationIssue] {
        switch self {
        case let .invalid(issues): issues
        case let .syntax(location, message): [ValidationIssue(location: location, path: "", message: message)]
        case let .unreadable(file, reason):
            [ValidationIssue(location: nil, path: file, message: reason)]
        }
    }
}
