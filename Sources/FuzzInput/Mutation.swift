/// Mutations of valid messages for fuzzing the gateway's parsers (tests and `scripts/fuzz-soak.sh`; never
/// linked into the daemon). Each operation is one random 64-bit word: its low byte picks the kind, the
/// next bytes the position and a value, so a failing case is replayed from its words alone.
public enum Mutation {
    /// Byte strings that broke or could break a parser: invalid UTF-8, control bytes, entities, numbers
    /// beyond range, duplicate keys, deep nesting, multipart delimiters and header bytes.
    public static let hostile: [[UInt8]] = [
        [0xFF], [0xDB], [0x00], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xEF, 0xBB, 0xBF], [0x0D], [0x0A], [0x0D, 0x0A],
        Array("&undefined;".utf8), Array("&#0;".utf8), Array("<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>".utf8),
        Array("<![CDATA[".utf8), Array("]]>".utf8), Array("</".utf8), Array("<".utf8), Array(">".utf8), Array("<?xml encoding=\"latin1\"?>".utf8),
        Array(#""event":"fall_detected","#.utf8), Array("9007199254740993".utf8), Array("1e309".utf8), Array("1e-400".utf8),
        Array(String(repeating: "9", count: 400).utf8), Array("-".utf8), Array(#"\u0000"#.utf8), Array(#"\ud800"#.utf8),
        Array("{".utf8), Array("}".utf8), Array("[".utf8), Array("]".utf8), Array(String(repeating: "[", count: 200).utf8),
        Array(String(repeating: "<a>", count: 100).utf8),
        Array("\r\n--B\r\n".utf8), Array("\r\n--B--\r\n".utf8), Array("X\u{DB}: y\r\n".utf8), [0x58, 0xDB, 0x3A, 0x20, 0x79, 0x0D, 0x0A],
        Array("Content-Type: image/jpeg\r\n\r\n".utf8), Array(":".utf8), Array(",".utf8), Array("\"".utf8), Array("\\".utf8),
        Array("data=".utf8), Array(";".utf8), Array("=".utf8), Array("Code=".utf8), Array("\u{202E}".utf8), Array("null".utf8),
        Array("NaN".utf8),
    ]

    /// `seed` with `operations` applied in order.
    public static func apply(_ operations: [UInt64], to seed: [UInt8]) -> [UInt8] {
        var bytes = seed
        for operation in operations {
            let position = Int((operation >> 8) % UInt64(bytes.count + 1))
            let value = UInt8(truncatingIfNeeded: operation >> 32)
            switch operation % 8 {
            case 0 where position < bytes.count: bytes[position] = value
            case 1: bytes.insert(contentsOf: hostile[Int(operation >> 40) % hostile.count], at: position)
            case 2: bytes.removeSubrange(position..<min(bytes.count, position + Int(value % 16) + 1))
            case 3: bytes.removeSubrange(position...)
            case 4: bytes.insert(contentsOf: bytes[position..<min(bytes.count, position + Int(value % 32))], at: position)
            case 5: bytes.insert(value, at: position)
            case 6: bytes.insert(contentsOf: Array(repeating: UInt8(ascii: "["), count: Int(value)), at: position)
            default: bytes.insert(contentsOf: hostile[Int(value) % hostile.count], at: position)
            }
        }
        return bytes
    }
}

/// SplitMix64: a small seeded generator, so a fuzz run is replayed from its seed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
