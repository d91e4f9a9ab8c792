/// The registered residents, stored densely as ``DeviceTable`` stores devices: an array of records and an
/// id → position index.
///
/// A `[String: Resident]` dictionary holds 262,144 resident-sized buckets for 100,000 residents (~30 MB, and
/// ~45 MB while it grows past 98,304); here only the small index has that slack (~5 MB), the records are packed.
public struct ResidentTable: Sendable {
    public private(set) var values: [Resident] = []
    private var positions: [String: Int32] = [:]

    public init(_ residents: [Resident] = []) {
        values.reserveCapacity(residents.count)
        positions.reserveCapacity(residents.count)
        for resident in residents { insert(resident) }
    }

    public var count: Int { values.count }
    public var isEmpty: Bool { values.isEmpty }
    public var keys: [String] { values.map(\.id) }

    public subscript(id: String) -> Resident? {
        positions[id].map { values[Int($0)] }
    }

    /// Adds a resident whose id is not in the table yet; `false` (and nothing changed) when it is.
    @discardableResult
    public mutating func insert(_ resident: Resident) -> Bool {
        guard positions[resident.id] == nil else { return false }
        positions[resident.id] = Int32(values.count)
        values.append(resident)
        return true
    }
}
