import Foundation

/// Gateway times (epoch milliseconds) shown in the machine's local time zone.
enum LocalTime {
    private static let formatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .current
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter
    }()

    /// `2026-11-23 14:05:12`, or `-` when there is no time.
    static func text(_ epochMilliseconds: Int64?) -> String {
        guard let epochMilliseconds else { return "-" }
        return formatter.string(from: Date(timeIntervalSince1970: Double(epochMilliseconds) / 1000))
    }

    /// The local zone's name, for a table footer.
    static var zoneName: String { TimeZone.current.identifier }
}
