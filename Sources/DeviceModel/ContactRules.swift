/// Formats the registry accepts for identifiers and contact details.
public enum ContactRules {
    /// Identifiers appear in MQTT topics, URLs and SQL keys: ASCII letters, digits, `_`, `-`, `.`,
    /// starting with a letter or digit, at most 64 characters. No `/`, `+` or `#`.
    public static func isValidIdentifier(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, id.unicodeScalars.count <= 64 else { return false }
        guard isAlphanumeric(first) else { return false }
        return id.unicodeScalars.allSatisfy { isAlphanumeric($0) || $0 == "_" || $0 == "-" || $0 == "." }
    }

    /// A mainland China mobile number: 11 digits starting `1[3-9]`, optionally written with `+86`/`86`,
    /// spaces or dashes. Returns the 11 bare digits, or `nil`.
    public static func normalizedMobile(_ text: String) -> String? {
        var digits = text.filter { $0 != " " && $0 != "-" }
        if digits.hasPrefix("+86") { digits.removeFirst(3) } else if digits.count == 13, digits.hasPrefix("86") {
            digits.removeFirst(2)
        }
        guard digits.count == 11, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let chars = Array(digits)
        guard chars[0] == "1", ("3"..."9").contains(chars[1]) else { return nil }
        return digits
    }

    /// Grid codes are digits (administrative division code plus grid number), 6–20 of them.
    public static func isValidGridCode(_ code: String) -> Bool {
        (6...20).contains(code.count) && code.allSatisfy { $0.isASCII && $0.isNumber }
    }

    private static func isAlphanumeric(_ s: Unicode.Scalar) -> Bool {
        (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9")
    }
}
