/// A record a registry keeps by its id (devices, residents).
public protocol RegistryRecord: Sendable {
    var id: String { get }
}

extension Device: RegistryRecord {}
extension Resident: RegistryRecord {}

/// The registered devices. Devices are replaced, never removed (decommissioning is a state), so positions are
/// stable and can index other per-device tables (the engine's rules and absence timers).
public typealias DeviceTable = RecordTable<Device>

/// The registered residents.
public typealias ResidentTable = RecordTable<Resident>

/// Records stored densely: an array of records and an id → position index.
///
/// A `[String: Record]` dictionary keeps its buckets at most ¾ full and doubles when it grows, so with 100,000
/// records it holds 262,144 record-sized buckets (~80 MB of devices, ~30 MB of residents, and half as much again
/// while it grows past 98,304). Here only the small index has that slack (~5 MB); the records are packed.
public struct RecordTable<Record: RegistryRecord>: Sendable {
    public private(set) var values: [Record] = []
    @usableFromInline var positions: [String: Int32] = [:]

    /// The records, the first of each id kept.
    public init(_ records: [Record] = []) {
        values.reserveCapacity(records.count)
        positions.reserveCapacity(records.count)
        for record in records { insert(record) }
    }

    public var count: Int { values.count }
    public var isEmpty: Bool { values.isEmpty }
    public var keys: [String] { values.map(\.id) }

    @inlinable
    public subscript(id: String) -> Record? {
        positions[id].map { values[Int($0)] }
    }

    /// The record's stable position (0 ..< count), or `nil` when there is none with `id`.
    @inlinable
    public func position(of id: String) -> Int? { positions[id].map(Int.init) }

    /// Adds a record whose id is not in the table yet; `false` (and nothing changed) when it is.
    @discardableResult
    public mutating func insert(_ record: Record) -> Bool {
        guard positions[record.id] == nil else { return false }
        positions[record.id] = Int32(values.count)
        values.append(record)
        return true
    }

    /// Adds a record, or replaces the one with its id in place.
    public mutating func upsert(_ record: Record) {
        if let position = positions[record.id] {
            values[Int(position)] = record
        } else {
            positions[record.id] = Int32(values.count)
            values.append(record)
        }
    }
}
