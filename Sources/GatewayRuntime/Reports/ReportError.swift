/// Why a governance report cannot be made from the request: each case has a stable code (the HTTP API's error
/// code, answered with 400) and a message that names the bad input, never personal data.
public enum ReportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `from` or `to` is not a civil date `YYYY-MM-DD`.
    case invalidDate(parameter: String, value: String)
    /// `from` is after `to`.
    case fromAfterTo(from: String, to: String)
    /// `from` equals `to`: a period of no days.
    case emptyRange(date: String)
    /// A period longer than the report covers (a year and a day), which would only read a long time.
    case rangeTooLong(days: Int)
    case unknownCommunity(String)
    case unknownStreet(String)
    /// Both `community` and `street` were given.
    case conflictingScope
    case unknownFormat(String)

    public var code: String {
        switch self {
        case .invalidDate: "invalid_date"
        case .fromAfterTo: "invalid_range"
        case .emptyRange: "empty_range"
        case .rangeTooLong: "range_too_long"
        case .unknownCommunity: "unknown_community"
        case .unknownStreet: "unknown_street"
        case .conflictingScope: "conflicting_scope"
        case .unknownFormat: "invalid_format"
        }
    }

    public var description: String {
        switch self {
        case let .invalidDate(parameter, value):
            "\(parameter) must be a date YYYY-MM-DD, got \"\(value.prefix(40))\""
        case let .fromAfterTo(from, to):
            "from (\(from)) is after to (\(to)); the period is [from, to), e.g. from 2026-11-01 to 2026-12-01"
        case let .emptyRange(date):
            "from and to are both \(date): the period is empty ([from, to) excludes to)"
        case let .rangeTooLong(days):
            "the period has \(days) days; a report covers at most 366"
        case let .unknownCommunity(id):
            "no community \"\(id.prefix(64))\" in the registry"
        case let .unknownStreet(id):
            "no street \"\(id.prefix(64))\" in the registry (a community's street or a street of the duty roster)"
        case .conflictingScope:
            "give either a community or a street, not both"
        case let .unknownFormat(format):
            "format must be html, csv or json, got \"\(format.prefix(20))\""
        }
    }
}
