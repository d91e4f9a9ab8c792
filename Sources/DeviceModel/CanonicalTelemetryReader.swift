import Foundation

/// The hot path of ingest: a canonical telemetry payload `{"ts": <int>, "metrics": {"name": <number>, …}}`
/// read straight from its bytes, after ``StrictJSONScanner`` has found it to be unambiguous JSON. Any other
/// shape (a missing field, a metric that is not a number, an escaped key) returns nil and the payload takes
/// the general path through `JSONDecoder`, which names what is wrong. Foundation's decoder was most of the
/// gateway's CPU a message at modest rates.
enum CanonicalTelemetryReader {
    static func read(_ data: Data) -> (ts: Int64, metrics: [String: Double])? {
        data.withUnsafeBytes { raw -> (Int64, [String: Double])? in
            var reader = Reader(bytes: raw.bindMemory(to: UInt8.self))
            return reader.telemetry()
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
        }

        mutating func eat(_ byte: UInt8) -> Bool {
            skipWhitespace()
            guard current == byte else { return false }
            position += 1
            return true
        }

        mutating func telemetry() -> (Int64, [String: Double])? {
            guard eat(UInt8(ascii: "{")) else { return nil }
            var ts: Int64?
            var metrics: [String: Double]?
            repeat {
                guard let key = key(), eat(UInt8(ascii: ":")) else { return nil }
                skipWhitespace()
                switch key {
                case "ts": guard let value = integer() else { return nil }; ts = value
                case "metrics": guard let value = numbers() else { return nil }; metrics = value
                default: guard skipValue() else { return nil }
                }
            } while eat(UInt8(ascii: ","))
            guard eat(UInt8(ascii: "}")), let ts, let metrics else { return nil }
            return (ts, metrics)
        }

        /// A key without escapes (an escaped key takes the general path).
        mutating func key() -> String? {
            guard eat(UInt8(ascii: "\"")) else { return nil }
            let start = position
            while let byte = current, byte != UInt8(ascii: "\"") {
                if byte == UInt8(ascii: "\\") { return nil }
                position += 1
            }
            guard current != nil else { return nil }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            position += 1
            return text
        }

        mutating func integer() -> Int64? {
            let start = position
            var value: Int64 = 0
            var negative = false
            if current == UInt8(ascii: "-") {
                negative = true
                position += 1
            }
            while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (added, overflow2) = shifted.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
                guard !overflow1, !overflow2 else { return nil }
                value = added
                position += 1
            }
            // A fraction or exponent is not an integer: the general path says so.
            guard position > start + (negative ? 1 : 0), current != UInt8(ascii: "."), current != UInt8(ascii: "e"),
                  current != UInt8(ascii: "E") else { return nil }
            return negative ? -value : value
        }

        mutating func number() -> Double? {
            let start = position
            while let byte = current, (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                position += 1
            }
            guard position > start else { return nil }
            let slice = UnsafeBufferPointer(rebasing: bytes[start..<position])
            // Whole numbers (most readings) without a String.
            var whole: Int64 = 0
            var isWhole = slice.count <= 15
            var negative = false
            for (index, byte) in slice.enumerated() where isWhole {
                if index == 0, byte == UInt8(ascii: "-") { negative = true; continue }
                if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { whole = whole * 10 + Int64(byte - UInt8(ascii: "0")) } else { isWhole = false }
            }
            if isWhole, slice.count > (negative ? 1 : 0) { return Double(negative ? -whole : whole) }
            guard let value = Double(String(decoding: slice, as: UTF8.self)), value.isFinite else { return nil }
            return value
        }

        mutating func numbers() -> [String: Double]? {
            guard eat(UInt8(ascii: "{")) else { return nil }
            var result: [String: Double] = [:]
            if eat(UInt8(ascii: "}")) { return result }
            repeat {
                guard let key = key(), eat(UInt8(ascii: ":")) else { return nil }
                skipWhitespace()
                guard let value = number() else { return nil }
                result[key] = value
            } while eat(UInt8(ascii: ","))
            return eat(UInt8(ascii: "}")) ? result : nil
        }

        /// Skips one value of a document already known to be valid JSON.
        mutating func skipValue() -> Bool {
            var depth = 0
            var inString = false
            while let byte = current {
                position += 1
                if inString {
                    if byte == UInt8(ascii: "\\") { position += 1 } else if byte == UInt8(ascii: "\"") {
                        inString = false
                        if depth == 0 { return true }
                    }
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return true }
                    if depth < 0 { position -= 1; return true }
                case UInt8(ascii: ","):
                    if depth == 0 { position -= 1; return true }
                default: break
                }
            }
            return depth == 0
        }
    }
}
