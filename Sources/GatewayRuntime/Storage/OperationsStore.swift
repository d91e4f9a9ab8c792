import AlertRules
import DeviceModel
import Foundation
import GRDB

/// Run-time changes to the registry and silences, and the audit log.
struct OperationsStore: Sendable {
    func saveDevice(_ device: Device, by actor: String, now: Int64, in db: Database) throws {
        try saveDevices([device], by: actor, now: now, in: db)
    }

    /// The YAML registry with the run-time registrations applied over it.
    func mergedRegistry(_ registry: DeviceRegistry, in db: Database) throws -> DeviceRegistry {
        var merged = registry
        try forEachRegistration(in: db) { merged.upsert($0) }
        return merged
    }

    func saveSilence(_ silence: Silence, now: Int64, in db: Database) throws {
        let body = String(decoding: try JSONEncoder().encode(silence), as: UTF8.self)
        try db.execute(sql: """
            INSERT INTO silences (id, body, until_at, created_by, created_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET body = excluded.body, until_at = excluded.until_at
            """, arguments: [silence.id, body, silence.until, silence.createdBy, now])
    }

    func deleteSilence(_ id: String, in db: Database) throws {
        try db.execute(sql: "DELETE FROM silences WHERE id = ?", arguments: [id])
    }

    /// Silences still in force or to come.
    func silences(now: Int64, in db: Database) throws -> [Silence] {
        let decoder = JSONDecoder()
        return try String.fetchAll(db, sql: "SELECT body FROM silences WHERE until_at > ? ORDER BY id", arguments: [now])
            .map { try decoder.decode(Silence.self, from: Data($0.utf8)) }
    }

    func audit(actor: String, action: String, target: String, detail: String?, now: Int64, in db: Database) throws {
        try db.execute(sql: "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                       arguments: [now, actor, action, target, detail])
    }
}
