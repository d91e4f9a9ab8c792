import AlertRules
import DeviceModel
import Foundation

extension YAMLRecord {
    func issue(_ key: String?, _ message: String) -> ValidationIssue {
        ValidationIssue(location: origins.location(of: key), path: key.map(childPath) ?? path, message: message)
    }

    func duration(_ key: String, issues: inout [ValidationIssue]) -> Int? {
        guard let text = scalar(key, issues: &issues) else { return nil }
        guard let seconds = DurationText.seconds(text) else {
            issues.append(issue(key, "expected a duration such as 90s, 10m, 12h or 7d, found \"\(text)\""))
            return nil
        }
        return seconds
    }

    func number(_ key: String, issues: inout [ValidationIssue]) -> Double? {
        guard let text = scalar(key, issues: &issues) else { return nil }
        guard let value = Double(text), value.isFinite else {
            issues.append(issue(key, "expected a number, found \"\(text)\""))
            return nil
        }
        return value
    }

    func instant(_ key: String, issues: inout [ValidationIssue]) -> Int64? {
        guard let text = scalar(key, issues: &issues) else { return nil }
        let formatter = ISO8601DateFormatter()
        guard let date = formatter.date(from: text) else {
            issues.append(issue(key, "expected an ISO 8601 time with offset, e.g. 2026-11-20T09:00:00+08:00"))
            return nil
        }
        return Int64(date.timeIntervalSince1970 * 1000)
    }
}
