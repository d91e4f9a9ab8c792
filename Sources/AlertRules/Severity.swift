/// How urgent an alert is. Ordered: `critical` is the most severe. (Issue 3 builds the rule engine here.)
public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case info
    case warning
    case major
    case critical

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .major: 2
        case .critical: 3
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}
