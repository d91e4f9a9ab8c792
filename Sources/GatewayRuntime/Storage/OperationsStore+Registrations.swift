import DeviceModel
import GRDB

/// Run-time registrations (`device_registrations`, one column per field): written one at a time by the API and
/// many at once by a fleet import, read at every start and reload.
extension OperationsStore {
    /// Stores registrations in the caller's transaction: one prepared statement, no transaction per row.
    func saveDevices(_ devices: [Device], by actor: String, now: Int64, in db: Database) throws {
        guard !devices.isEmpty else { return }
        let statement = try db.cachedStatement(sql: """
            INSERT INTO device_registrations (id, type, community, grid, building, unit, floor, room, zone, vendor, model,
                serial, installer, state, resident, report_interval_s, binding_protocol, binding_product, binding_name,
                push_secret_sha256, updated_at, updated_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET type = excluded.type, community = excluded.community, grid = excluded.grid,
                building = excluded.building, unit = excluded.unit, floor = excluded.floor, room = excluded.room,
                zone = excluded.zone, vendor = excluded.vendor, model = excluded.model, serial = excluded.serial,
                installer = excluded.installer, state = excluded.state, resident = excluded.resident,
                report_interval_s = excluded.report_interval_s, binding_protocol = excluded.binding_protocol,
                binding_product = excluded.binding_product, binding_name = excluded.binding_name,
                push_secret_sha256 = excluded.push_secret_sha256, updated_at = excluded.updated_at, updated_by = excluded.updated_by
            """)
        for device in devices {
            let location = device.location, binding = device.binding
            let values: [(any DatabaseValueConvertible)?] = [
                device.id, device.type.rawValue, device.community, device.grid, location.building, location.unit,
                location.floor, location.room, location.zone, device.vendor, device.model, device.serial, device.installer,
                device.state.rawValue, device.resident, device.reportIntervalSeconds, binding?.vendorProtocol.rawValue,
                binding?.product, binding?.name, device.pushSecretSHA256, now, actor,
            ]
            try statement.execute(arguments: StatementArguments(values))
        }
    }

    /// Every registration, in id order, read column by column (no JSON decoding: 100,000 rows at start).
    func forEachRegistration(in db: Database, _ body: (Device) throws -> Void) throws {
        let rows = try Row.fetchCursor(db, sql: """
            SELECT id, type, community, grid, building, unit, floor, room, zone, vendor, model, serial, installer, state,
                resident, report_interval_s, binding_protocol, binding_product, binding_name, push_secret_sha256
            FROM device_registrations ORDER BY id
            """)
        while let row = try rows.next() {
            let id: String = row[0]
            guard let type = DeviceType(rawValue: row[1]), let state = CommissioningState(rawValue: row[13]) else {
                throw RegistrationRowError(id: id)
            }
            var binding: VendorBinding?
            if let text: String = row[16] {
                guard let vendorProtocol = VendorProtocol(rawValue: text), let product: String = row[17], let name: String = row[18] else {
                    throw RegistrationRowError(id: id)
                }
                binding = VendorBinding(vendorProtocol: vendorProtocol, product: product, name: name)
            }
            let location = DeviceLocation(building: row[4], unit: row[5], floor: row[6], room: row[7], zone: row[8])
            let community: String = row[2], grid: String = row[3], vendor: String = row[9], model: String = row[10]
            let serial: String = row[11], installer: String = row[12], resident: String? = row[14]
            let interval: Int = row[15], pushSecret: String? = row[19]
            try body(Device(id: id, type: type, community: community, grid: grid, location: location, vendor: vendor, model: model,
                            serial: serial, installer: installer, state: state, resident: resident, reportIntervalSeconds: interval,
                            binding: binding, pushSecretSHA256: pushSecret))
        }
    }
}

/// A stored registration this version cannot read (a type or state it does not know): the database is newer than
/// the program, or was edited by hand.
struct RegistrationRowError: Error, CustomStringConvertible {
    var id: String
    var description: String { "device_registrations row \"\(id)\" has a type, state or binding this gatewayd does not know" }
}
