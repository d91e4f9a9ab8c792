/// The registered devices, stored densely: an array of records and an id → position index.
///
/// A `[String: Device]` dictionary keeps its buckets at most ¾ full and doubles when it grows, so with
/// 100,000 devices it holds 262,144 device-sized buckets (~80 MB). Here only the small index has that
/// slack; the records themselves are packed (~30 MB at 100,000). Devices are replaced, never removed
/// (decommissioning is a state), so positions are stable and can index other per-device tables.
public struct DeviceTable: Sendable {
    public private(set) var values: [Device] = []
    private var positions: [String: Int32] = [:]

    public init(_ devices: [Device] = []) {
        values.reserveCapacity(devices.count)
        positions.reserveCapacity(devices.count)
        for device in devices where positions[device.id] == nil {
            positions[device.id] = Int32(values.count)
            values.append(device)
        }
    }

    public var count: Int { values.count }
    public var isEmpty: Bool { values.isEmpty }
    public var keys: [String] { values.map(\.id) }

    public subscript(id: String) -> Device? {
        positions[id].map { values[Int($0)] }
    }

    /// The device's stable position (0 ..< count), or `nil` when it is not registered.
    public func position(of id: String) -> Int? { positions[id].map(Int.init) }

    /// Adds a device, or replaces the one with its id in place.
    public mutating func upsert(_ device: Device) {
        if let position = positions[device.id] {
            values[Int(position)] = device
        } else {
            positions[device.id] = Int32(values.count)
            values.append(device)
        }
    }
}
