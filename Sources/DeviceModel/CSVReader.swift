/// Reads CSV text as RFC 4180 writes it: fields separated by commas, records by CRLF or LF, a field in double
/// quotes may hold commas, line breaks and doubled quotes (`""`). Tolerated beyond the RFC: a UTF-8 byte-order
/// mark at the start (spreadsheets write one), LF alone, blank lines (skipped) and a last line without a break.
///
/// Pure and one pass over the bytes: each record keeps the line it starts on and each field its column
/// (1-based, in characters), for `file:line:column` diagnostics.
public struct CSVReader: Sendable {
    /// One record: the line it starts on and its fields.
    public struct Record: Sendable {
        public var line: Int
        public var fields: [Field]
    }

    public struct Field: Sendable {
        public var text: String
        /// Line of the field's first character (a quoted field may span lines).
        public var line: Int
        /// Column (in characters, 1-based) of the field's first character (its opening quote, if quoted).
        public var column: Int
    }

    /// A record that could not be read; the reader carries on at the next line.
    public struct SyntaxError: Error, Sendable, Hashable {
        public var line: Int
        public var column: Int
        public var message: String
    }

    public init() {}

    /// Every record of `bytes` (blank lines skipped), and the problems of those that could not be read.
    public func read(_ bytes: some Collection<UInt8>) -> (records: [Record], errors: [SyntaxError]) {
        var parser = Parser(Array(bytes))
        return parser.run()
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0
        var line = 1
        /// Index of the first byte of the current line (for columns).
        var lineStart = 0
        var records: [Record] = []
        var errors: [SyntaxError] = []

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3; lineStart = 3 }
        }

        static let quote: UInt8 = 0x22, comma: UInt8 = 0x2C, cr: UInt8 = 0x0D, lf: UInt8 = 0x0A

        mutating func run() -> (records: [Record], errors: [SyntaxError]) {
            while index < bytes.count {
                if atLineBreak {
                    consumeLineBreak()
                    continue
                }
                let startLine = line
                do throws(SyntaxError) {
                    let fields = try record()
                    records.append(Record(line: startLine, fields: fields))
                } catch {
                    errors.append(error)
                    skipToNextLine()
                }
            }
            return (records, errors)
        }

        var atLineBreak: Bool { bytes[index] == Self.lf || bytes[index] == Self.cr }

        mutating func consumeLineBreak() {
            if bytes[index] == Self.cr, index + 1 < bytes.count, bytes[index + 1] == Self.lf { index += 1 }
            index += 1
            line += 1
            lineStart = index
        }

        mutating func skipToNextLine() {
            while index < bytes.count, !atLineBreak { index += 1 }
            if index < bytes.count { consumeLineBreak() }
        }

        /// Characters (not bytes) from the start of the line to `position`, plus one.
        func column(at position: Int) -> Int {
            var count = 1
            var cursor = lineStart
            while cursor < position {
                if bytes[cursor] & 0xC0 != 0x80 { count += 1 }
                cursor += 1
            }
            return count
        }

        /// One record, up to and including its line break.
        mutating func record() throws(SyntaxError) -> [Field] {
            var fields: [Field] = []
            while true {
                let fieldColumn = column(at: index), fieldLine = line
                let isQuoted = index < bytes.count && bytes[index] == Self.quote
                let text = try isQuoted ? quoted() : plain()
                fields.append(Field(text: text, line: fieldLine, column: fieldColumn))
                guard index < bytes.count else { return fields }
                if bytes[index] == Self.comma {
                    index += 1
                    continue
                }
                consumeLineBreak()
                return fields
            }
        }

        mutating func plain() throws(SyntaxError) -> String {
            let start = index
            while index < bytes.count, bytes[index] != Self.comma, !atLineBreak {
                if bytes[index] == Self.quote {
                    throw SyntaxError(line: line, column: column(at: index),
                                      message: "a quote inside an unquoted field: quote the whole field and double the quote (\"\")")
                }
                index += 1
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func quoted() throws(SyntaxError) -> String {
            let openIndex = index, openLine = line, openLineStart = lineStart, openColumn = column(at: index)
            index += 1
            var text: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                if byte == Self.quote {
                    if index + 1 < bytes.count, bytes[index + 1] == Self.quote {
                        text.append(Self.quote)
                        index += 2
                        continue
                    }
                    index += 1
                    guard index == bytes.count || bytes[index] == Self.comma || atLineBreak else {
                        throw SyntaxError(line: line, column: column(at: index),
                                          message: "text after the closing quote of a field (a quote inside a quoted field is written \"\")")
                    }
                    return String(decoding: text, as: UTF8.self)
                }
                if byte == Self.lf || (byte == Self.cr && !(index + 1 < bytes.count && bytes[index + 1] == Self.lf)) {
                    line += 1
                    lineStart = index + 1
                } else if byte == Self.cr {
                    // CRLF inside a quoted field: kept as written, counted as one line break.
                    text.append(byte)
                    index += 1
                    text.append(bytes[index])
                    line += 1
                    lineStart = index + 1
                    index += 1
                    continue
                }
                text.append(byte)
                index += 1
            }
            // The whole rest of the file was inside the quotes: say where they opened, and go on reading at the
            // next line (the caller skips the rest of this one), so the rows after it are still checked.
            index = openIndex
            line = openLine
            lineStart = openLineStart
            throw SyntaxError(line: openLine, column: openColumn, message: "a quoted field is never closed (missing \")")
        }
    }
}
