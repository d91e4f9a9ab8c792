/// A position in a configuration file, 1-based, as reported in `file:line:column` diagnostics.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// Where the fields of one record came from. Records built from YAML carry the location of each key;
/// records built in code (or from an HTTP body) carry none, and diagnostics fall back to the field path.
public struct FieldOrigins: Sendable, Hashable {
    public var record: SourceLocation?
    public var fields: [String: SourceLocation]

    public init(record: SourceLocation? = nil, fields: [String: SourceLocation] = [:]) {
        self.record = record
        self.fields = fields
    }

    /// The location of `field`'s value, or of the record when the field is absent.
    public func location(of field: String?) -> SourceLocation? {
        guard let field else { return record }
        return fields[field] ?? record
    }
}
