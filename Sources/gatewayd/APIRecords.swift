import DeviceModel

/// A device as `GET /api/v1/devices` returns it (registry record plus live state; the resident by id only).
struct DeviceRecord: Decodable {
    var id: String
    var type: String
    var family: String?
    var community: String
    var grid: String?
    var location: DeviceLocation?
    var vendor: String?
    var model: String?
    var serial: String?
    var installer: String?
    var state: String
    var resident: String?
    var reportIntervalS: Int?
    var online: Bool?
    var lastSeenAt: Int64?
    var maintenanceUntil: Int64?

    enum CodingKeys: String, CodingKey {
        case id, type, family, community, grid, location, vendor, model, serial, installer, state, resident, online
        case reportIntervalS = "report_interval_s", lastSeenAt = "last_seen_at", maintenanceUntil = "maintenance_until"
    }
}

/// A page of a list route.
struct PageRecord<Item: Decodable>: Decodable {
    var items: [Item]
    var total: Int
    var limit: Int
    var offset: Int
}

/// `PUT /api/v1/devices/{id}/maintenance`'s reply.
struct MaintenanceRecord: Decodable {
    var device: String
    var from: Int64
    var until: Int64
    var reason: String
    var by: String
}

/// One entry of an alert's audit trail.
struct TransitionRecord: Decodable {
    var kind: String
    var actor: String
    var reason: String
    var at: Int64
    var state: String?
    var escalationLevel: String?

    enum CodingKeys: String, CodingKey {
        case kind, actor, reason, at, state, escalationLevel = "escalation_level"
    }
}

extension DeviceLocation {
    /// `bldg 3 · unit 2 · floor 1 · room 501 · 单元门`.
    var summary: String {
        let parts = [building.map { "bldg \($0)" }, unit.map { "unit \($0)" }, floor.map { "floor \($0)" },
                     room.map { "room \($0)" }, zone].compactMap(\.self)
        return parts.isEmpty ? "-" : parts.joined(separator: " · ")
    }
}
