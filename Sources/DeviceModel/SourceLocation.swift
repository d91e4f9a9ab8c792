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
/// Stored compactly (the file once, a line and column per field, no hash table): a district's 100,000 devices
/// and residents each keep one.
public struct FieldOrigins: Sendable, Hashable {
    public var record: SourceLocation?
    private var file: String?
    private var names: [String] = []
    /// `line << 32 | column` of each of `names`.
    private var positions: [UInt64] = []
    /// Fields whose location is in another file than the others (rare).
    private var elsewhere: [String: SourceLocation] = [:]

    public init(record: SourceLocation? = nil, fields: [String: SourceLocation] = [:]) {
        self.record = record
        file = record?.file
        for (field, location) in fields.sorted(by: { $0.key < $1.key }) { set(field, location) }
    }

    /// Every field's location (built on demand).
    public var fields: [String: SourceLocation] {
        var result = elsewhere
        guard let file else { return result }
        for (name, position) in zip(names, positions) {
            result[name] = SourceLocation(file: file, line: Int(position >> 32), column: Int(position & 0xFFFF_FFFF))
        }
        return result
    }

    /// Records (or, with `nil`, forgets) where `field`'s value sits.
    public mutating func set(_ field: String, _ location: SourceLocation?) {
        if let index = names.firstIndex(of: field) {
            names.remove(at: index)
            positions.remove(at: index)
        }
        elsewhere[field] = nil
        guard let location else { return }
        if file == nil { file = location.file }
        guard location.file == file, location.line >= 0, location.column >= 0 else {
            elsewhere[field] = location
            return
        }
        names.append(field)
        positions.append(UInt64(UInt32(clamping: location.line)) << 32 | UInt64(UInt32(clamping: location.column)))
    }

    /// The location of `field`'s value, or of the record when the field is absent.
    public func location(of field: String?) -> SourceLocation? {
        guard let field else { return record }
        if let index = names.firstIndex(of: field), let file {
            let position = positions[index]
            return SourceLocation(file: file, line: Int(position >> 32), column: Int(position & 0xFFFF_FFFF))
        }
        return elsewhere[field] ?? record
    }

    /// The location of `field`'s value only (no fallback to the record).
    public subscript(field: String) -> SourceLocation? {
        guard names.contains(field) || elsewhere[field] != nil else { return nil }
        return location(of: field)
    }
}
