import Foundation

/// Reads a JSON text once, before a decoder sees it, and refuses what would make its meaning ambiguous or
/// lossy: duplicate keys (decoders disagree on which one wins: `{"event":"presence_detected",
/// "event":"fall_detected"}` must not be stored as either), nesting deeper than ``maxDepth``, integers
/// outside 64 bits and numbers beyond `Double` (overflow to infinity, underflow of a non-zero value to 0),
/// and anything that is not JSON (RFC 8259 grammar, no trailing content), with the byte offset of the fault.
///
/// Pure and allocation-light: keys are compared as decoded strings (so `"a"` and `"\u0061"` are the same
/// key), numbers are checked from their literal text. Recursion is bounded by ``maxDepth``.
public enum StrictJSONScanner {
    /// Deeper documents are refused (`too_deep`); the gateway's formats nest at most 5 levels.
    public static let maxDepth = 64

    public enum Problem: Error, Sendable, Hashable {
        case malformed(offset: Int, expected: String)
        case duplicateKey(String)
        case tooDeep
        case numberOutOfRange(String)
    }

    /// `nil` when `data` is one unambiguous JSON value (surrounding whitespace allowed).
    public static func check(_ data: Data) -> Problem? {
        data.withUnsafeBytes { raw -> Problem? in
            var scanner = Scanner(bytes: raw.bindMemory(to: UInt8.self))
            do throws(Problem) {
                scanner.skipWhitespace()
                try scanner.value(depth: 1)
                scanner.skipWhitespace()
                if scanner.position != scanner.bytes.count { throw scanner.malformed("end of document") }
                return nil
            } catch {
                return error
            }
        }
    }

    /// The rejection a problem means for a device message.
    public static func rejection(_ problem: Problem, deviceID: String?) -> Rejection {
        switch problem {
        case let .malformed(offset, expected):
            Rejection(.malformedJSON, "not valid JSON (at byte \(offset): expected \(expected))", deviceID: deviceID)
        case let .duplicateKey(key):
            Rejection(.invalidPayload, "duplicate key \"\(key.prefix(64))\"", deviceID: deviceID)
        case .tooDeep:
            Rejection(.tooDeep, "JSON nests deeper than \(maxDepth) levels", deviceID: deviceID)
        case let .numberOutOfRange(literal):
            Rejection(.numberOutOfRange,
                      "number \(literal.count > 24 ? literal.prefix(20) + "… (\(literal.count) digits)" : literal) is outside 64-bit integers or double precision",
                      deviceID: deviceID)
        }
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func malformed(_ expected: String) -> Problem { .malformed(offset: position, expected: expected) }

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(Problem) {
            guard let byte = current else { throw malformed("a value") }
            switch byte {
            case UInt8(ascii: "{"): try object(depth: depth)
            case UInt8(ascii: "["): try array(depth: depth)
            case UInt8(ascii: "\""): _ = try string(keepText: false)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: throw malformed("a value")
            }
        }

        mutating func literal(_ word: StaticString) throws(Problem) {
            let count = word.utf8CodeUnitCount
            // `not json` is not a misspelt `null`: name what a value may be.
            let expected = "a value (an object, array, string, number, true, false or null)"
            guard position + count <= bytes.count else { throw malformed(expected) }
            let text = word.utf8Start
            for index in 0..<count where bytes[position + index] != text[index] { throw malformed(expected) }
            position += count
        }

        /// Past an opening bracket at `depth`: `true` when members follow, `false` when it closes at once.
        mutating func open(depth: Int, closing: UInt8) throws(Problem) -> Bool {
            guard depth <= StrictJSONScanner.maxDepth else { throw .tooDeep }
            position += 1
            skipWhitespace()
            guard current == closing else { return true }
            position += 1
            return false
        }

        mutating func object(depth: Int) throws(Problem) {
            guard try open(depth: depth, closing: UInt8(ascii: "}")) else { return }
            // Objects of a message are small: a linear search beats hashing, and short keys are stored inline.
            var keys: [String] = []
            while true {
                guard current == UInt8(ascii: "\"") else { throw malformed("a key in double quotes") }
                let key = try string(keepText: true)
                if keys.contains(key) { throw .duplicateKey(key) }
                keys.append(key)
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw malformed("':' after a key") }
                position += 1
                skipWhitespace()
                try value(depth: depth + 1)
                guard try another(closing: UInt8(ascii: "}"), expected: "',' or '}'") else { return }
            }
        }

        mutating func array(depth: Int) throws(Problem) {
            guard try open(depth: depth, closing: UInt8(ascii: "]")) else { return }
            while true {
                try value(depth: depth + 1)
                guard try another(closing: UInt8(ascii: "]"), expected: "',' or ']'") else { return }
            }
        }

        /// After a member: `true` at a ',' (another follows), `false` at the closing bracket.
        mutating func another(closing: UInt8, expected: String) throws(Problem) -> Bool {
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                position += 1
                skipWhitespace()
                return true
            case closing:
                position += 1
                return false
            default:
                throw malformed(expected)
            }
        }

        /// A string literal; its decoded text when `keepText` (keys), else "".
        mutating func string(keepText: Bool) throws(Problem) -> String {
            position += 1
            let start = position
            var escaped = false
            while true {
                guard let byte = current else { throw malformed("a closing '\"'") }
                switch byte {
                case UInt8(ascii: "\""):
                    let end = position
                    position += 1
                    guard keepText else { return "" }
                    let slice = UnsafeBufferPointer(rebasing: bytes[start..<end])
                    guard let text = String(validating: slice, as: UTF8.self) else {
                        throw Problem.malformed(offset: start, expected: "UTF-8 text")
                    }
                    return escaped ? Self.unescape(text) : text
                case UInt8(ascii: "\\"):
                    escaped = true
                    position += 1
                    guard let next = current else { throw malformed("an escape") }
                    switch next {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                         UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        position += 1
                    case UInt8(ascii: "u"):
                        position += 1
                        for _ in 0..<4 {
                            guard let hex = current, Self.isHexDigit(hex) else { throw malformed("four hex digits after \\u") }
                            position += 1
                        }
                    default:
                        throw malformed("a valid escape")
                    }
                case 0x00..<0x20:
                    throw malformed("no control character inside a string")
                default:
                    position += 1
                }
            }
        }

        static func isHexDigit(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
        }

        /// Escapes decoded for key comparison (rare in keys; correctness over speed).
        static func unescape(_ text: String) -> String {
            let quoted = "\"" + text + "\""
            return (try? JSONDecoder().decode(String.self, from: Data(quoted.utf8))) ?? text
        }

        mutating func number() throws(Problem) {
            let start = position
            if current == UInt8(ascii: "-") { position += 1 }
            guard let first = current, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { throw malformed("a digit") }
            var integerDigits = 0
            var significantIntegerDigits = 0
            if first == UInt8(ascii: "0") {
                position += 1
                integerDigits = 1
            } else {
                while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                    position += 1
                    integerDigits += 1
                    significantIntegerDigits += 1
                }
            }
            var isInteger = true
            var nonZeroMantissa = significantIntegerDigits > 0
            if current == UInt8(ascii: ".") {
                isInteger = false
                position += 1
                var fractionDigits = 0
                while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                    if byte != UInt8(ascii: "0") { nonZeroMantissa = true }
                    position += 1
                    fractionDigits += 1
                }
                guard fractionDigits > 0 else { throw malformed("a digit after '.'") }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                isInteger = false
                position += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
                var exponentDigits = 0
                while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                    position += 1
                    exponentDigits += 1
                }
                guard exponentDigits > 0 else { throw malformed("a digit in the exponent") }
            }
            // Most readings are short integers: no conversion needed.
            if isInteger && integerDigits <= 18 { return }
            let literal = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            if isInteger {
                guard Int64(literal) != nil else { throw .numberOutOfRange(literal) }
                return
            }
            guard let double = Double(literal), double.isFinite, double != 0 || !nonZeroMantissa else {
                throw .numberOutOfRange(literal)
            }
        }
    }
}
