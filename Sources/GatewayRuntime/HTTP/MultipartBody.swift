import Foundation

/// A `multipart/form-data` (or `multipart/mixed`) push body split into its parts (RFC 2046 §5.1.1), read
/// whole from memory: pushes are capped at the push limit before they get here.
///
/// Written here instead of MultipartKit's streaming parser: MultipartKit 4.7.1 traps the process
/// (`Index out of range` in `MultipartParser.parseHeaderName`) on a part header name with a non-ASCII byte
/// (`--B\r\nX\xdb: y\r\n\r\nz\r\n--B--\r\n`), which let one request kill the gateway. This reader refuses
/// such a body with a reason instead; the regression test keeps the exact bytes.
///
/// Strict where it matters, lenient where devices are sloppy: header names must be RFC 9110 tokens, lines
/// must end in CRLF, at most ``maxParts`` parts with ``maxHeaders`` headers of ``maxHeaderLine`` bytes; a part
/// is complete only when the next delimiter closes it. A body cut before its closing delimiter keeps the
/// parts completed before the cut (the part being read when it was cut is dropped, never kept half).
struct MultipartBody {
    static let maxParts = 32
    static let maxHeaders = 32
    static let maxHeaderLine = 8192

    struct Part: Sendable {
        var headers: [(name: String, value: String)]
        var body: Data

        /// The first header of that name (case-insensitive).
        func header(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }

        var contentType: String { header("Content-Type")?.lowercased() ?? "" }
    }

    enum Failure: Error, Sendable, Hashable {
        case noDelimiter
        case badHeaderName(part: Int)
        case badHeaderLine(part: Int)
        case tooManyHeaders(part: Int)
        case tooManyParts
        case badDelimiterLine(part: Int)

        var detail: String {
            switch self {
            case .noDelimiter: "multipart body has no boundary delimiter"
            case let .badHeaderName(part): "multipart part \(part + 1) has a header name that is not an HTTP token"
            case let .badHeaderLine(part): "multipart part \(part + 1) has a malformed header line"
            case let .tooManyHeaders(part): "multipart part \(part + 1) has more than \(MultipartBody.maxHeaders) headers"
            case .tooManyParts: "multipart body has more than \(MultipartBody.maxParts) parts"
            case let .badDelimiterLine(part): "multipart delimiter before part \(part + 1) is not followed by CRLF"
            }
        }
    }

    /// The complete parts of `body`, or why the body is refused.
    static func parse(_ body: Data, boundary: String) throws(Failure) -> [Part] {
        guard !boundary.isEmpty, !boundary.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) else { throw .noDelimiter }
        let delimiter = Array(("--" + boundary).utf8)
        let bytes = [UInt8](body)
        // The first delimiter may open the body or follow a preamble line.
        guard var cursor = firstDelimiter(bytes, delimiter) else { throw .noDelimiter }
        var parts: [Part] = []
        while true {
            cursor += delimiter.count
            // "--" after a delimiter closes the body; the epilogue is ignored.
            if cursor + 1 < bytes.count, bytes[cursor] == UInt8(ascii: "-"), bytes[cursor + 1] == UInt8(ascii: "-") { return parts }
            while cursor < bytes.count, bytes[cursor] == 0x20 || bytes[cursor] == 0x09 { cursor += 1 }  // transport padding
            if cursor >= bytes.count { return parts }  // cut right after a delimiter
            guard cursor + 1 < bytes.count, bytes[cursor] == 0x0D, bytes[cursor + 1] == 0x0A else {
                throw .badDelimiterLine(part: parts.count)
            }
            cursor += 2
            guard parts.count < maxParts else { throw .tooManyParts }
            let index = parts.count
            var headers: [(name: String, value: String)] = []
            // Header lines up to the empty line.
            while true {
                guard let lineEnd = find(bytes, [0x0D, 0x0A], from: cursor, limit: maxHeaderLine) else {
                    if cursor >= bytes.count || bytes.count - cursor < maxHeaderLine { return parts }  // cut inside the headers
                    throw .badHeaderLine(part: index)
                }
                if lineEnd == cursor {
                    cursor += 2
                    break
                }
                guard headers.count < maxHeaders else { throw .tooManyHeaders(part: index) }
                headers.append(try header(bytes[cursor..<lineEnd], part: index))
                cursor = lineEnd + 2
            }
            // The body runs to CRLF + the next delimiter.
            guard let end = find(bytes, [0x0D, 0x0A] + delimiter, from: cursor, limit: nil) else { return parts }
            parts.append(Part(headers: headers, body: Data(bytes[cursor..<end])))
            cursor = end + 2
        }
    }

    private static func firstDelimiter(_ bytes: [UInt8], _ delimiter: [UInt8]) -> Int? {
        if bytes.starts(with: delimiter) { return 0 }
        return find(bytes, [0x0D, 0x0A] + delimiter, from: 0, limit: nil).map { $0 + 2 }
    }

    /// `name: value`, the name an RFC 9110 token, the value UTF-8 text without control characters.
    private static func header(_ line: ArraySlice<UInt8>, part: Int) throws(Failure) -> (name: String, value: String) {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else { throw .badHeaderLine(part: part) }
        let name = line[line.startIndex..<colon]
        guard name.allSatisfy(isTokenByte) else { throw .badHeaderName(part: part) }
        let rawValue = line[(colon + 1)...]
        guard !rawValue.contains(where: { $0 < 0x20 && $0 != 0x09 || $0 == 0x7F }),
              let value = String(validating: rawValue, as: UTF8.self) else { throw .badHeaderLine(part: part) }
        return (String(decoding: name, as: UTF8.self), value.trimmingCharacters(in: .whitespaces))
    }

    /// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"): true
        default: false
        }
    }

    /// The index of `needle` (which starts with CR and holds no other CR: the boundary is checked) in
    /// `bytes` at or after `from`, starting within `limit` bytes when given. Each candidate CR is compared at
    /// most up to the next CR of the body, so the search is linear also for a hostile body of near-matches.
    private static func find(_ bytes: [UInt8], _ needle: [UInt8], from: Int, limit: Int?) -> Int? {
        guard !needle.isEmpty, from + needle.count <= bytes.count else { return nil }
        let lastStart = min(bytes.count - needle.count, limit.map { from + $0 } ?? Int.max)
        var index = from
        while index <= lastStart {
            guard let candidate = bytes[index...lastStart].firstIndex(of: needle[0]) else { return nil }
            var offset = 1
            while offset < needle.count, bytes[candidate + offset] == needle[offset] { offset += 1 }
            if offset == needle.count { return candidate }
            index = candidate + 1
        }
        return nil
    }
}
