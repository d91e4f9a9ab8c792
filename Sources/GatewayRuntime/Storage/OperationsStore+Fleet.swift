import DeviceModel
import Foundation
import GRDB

extension OperationsStore {
    /// Stores many registrations in the caller's transaction (a fleet import): one prepared statement, one
    /// encoder, no transaction per row.
    func saveDevices(_ devices: [Device], by actor: String, now: Int64, in db: Database) throws {
        guard !devices.isEmpty else { return }
        let encoder = JSONEncoder()
        let statement = try db.cachedStatement(sql: """
            INSERT INTO device_registrations (id, body, updated_at, updated_by) VALUES (?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by
            """)
        for device in devices {
            let body = String(decoding: try encoder.encode(device), as: UTF8.self)
            try statement.execute(arguments: [device.id, body, now, actor])
        }
    }
}
