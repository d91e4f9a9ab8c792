import Foundation
import GRDB

/// The MQTT outbox: alert publications written in the transaction that made them, sent at least once.
struct OutboxStore: Sendable {
    struct Pending: Sendable {
        var id: Int64
        var topic: String
        var payload: Data
        var retain: Bool
    }

    /// Unpublished rows in id order, at most `limit`.
    func pending(limit: Int, in db: StorageConnection) throws -> [Pending] {
        try Row.fetchAll(db, sql: "SELECT id, topic, payload, retain FROM mqtt_outbox WHERE published_at IS NULL ORDER BY id LIMIT ?",
                         arguments: [limit]).map { row in
            Pending(id: row["id"], topic: row["topic"], payload: row["payload"] ?? Data(), retain: row["retain"])
        }
    }

    func markPublished(_ ids: [Int64], at now: Int64, in db: StorageConnection) throws {
        for id in ids {
            try db.execute(sql: "UPDATE mqtt_outbox SET published_at = ? WHERE id = ?", arguments: [now, id])
        }
    }

    func pendingCount(in db: StorageConnection) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM mqtt_outbox WHERE published_at IS NULL") ?? 0
    }

    /// Published rows older than `cutoff` are removed (ids are never reused: AUTOINCREMENT).
    func prune(publishedBefore cutoff: Int64, in db: StorageConnection) throws {
        try db.execute(sql: "DELETE FROM mqtt_outbox WHERE published_at IS NOT NULL AND published_at < ?", arguments: [cutoff])
    }
}
