import Foundation

/// Durations as written in configuration: `45s`, `10m`, `12h`, `7d`, or a bare number of seconds.
public enum DurationText {
    /// The number of seconds `text` stands for, or `nil` when it is not a positive duration.
    public static func seconds(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let last = trimmed.last else { return nil }
        var digits = Substring(trimmed)
        let multiplier: Int
        switch last {
        case "s": multiplier = 1
        case "m": multiplier = 60
        case "h": multiplier = 3600
        case "d": multiplier = 86_400
        default: multiplier = 0
        }
        if multiplier != 0 { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let value = Int(digits), value > 0, value <= Int(Int32.max) / max(multiplier, 1)
        else { return nil }
        return value * max(multiplier, 1)
    }
}
