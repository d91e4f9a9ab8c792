/// Any JSON value, kept as sent: the free-form `data` of an event.
///
/// Numbers are `number(Double)`, except integers that a `Double` cannot hold exactly (beyond ±2^53, e.g. a
/// 19-digit card or record number), which are `integer(Int64)` so they are stored digit for digit.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case integer(Int64)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) {
            if value.rounded() == value, abs(value) >= 9_007_199_254_740_992, let exact = try? container.decode(Int64.self) {
                self = .integer(exact)
            } else {
                self = .number(value)
            }
        }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .bool(value): try container.encode(value)
        case let .number(value): try container.encode(value)
        case let .integer(value): try container.encode(value)
        case let .string(value): try container.encode(value)
        case let .array(value): try container.encode(value)
        case let .object(value): try container.encode(value)
        }
    }

    public var numberValue: Double? {
        switch self {
        case let .number(value): value
        case let .integer(value): Double(value)
        default: nil
        }
    }
    public var stringValue: String? { if case let .string(value) = self { value } else { nil } }
}
