import Foundation

/// The report as JSON: the whole ``GovernanceReport`` with snake_case keys, sorted (stable output to diff).
public enum ReportJSON {
    public static func render(_ report: GovernanceReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return (try? encoder.encode(report)).map { String(decoding: $0, as: UTF8.self) + "\n" } ?? "{}\n"
    }
}
