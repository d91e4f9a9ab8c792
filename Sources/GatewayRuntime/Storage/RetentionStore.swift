import Foundation
import GRDB

/// Deletes records past their retention in small batches: candidates are found on a reader (WAL readers never
/// block the writer), then removed by id in short write transactions, so ingest is never held up for long.
struct RetentionStore: Sendable {
    let database: StoragePool
    /// Rows removed per write transaction.
    var batch = 500

    struct Sweep: Sendable, Equatable {
        var deleted: [String: Int] = [:]
    }

    /// One pass over every table; returns what was deleted, by table.
    func sweep(_ policy: RetentionPolicy, now: Int64) async throws -> Sweep {
        var sweep = Sweep()
        sweep.deleted["events"] = try await purge("events", olderThan: now - Int64(policy.eventsSeconds) * 1000, time: "received_at")
        sweep.deleted["dead_letters"] = try await purge("dead_letters", olderThan: now - Int64(policy.deadLettersSeconds) * 1000,
                                                        time: "received_at")
            + (try await capDeadLetters(perSource: policy.deadLettersPerSource))
        // Deliveries still to be sent (pending, held) are never removed.
        sweep.deleted["deliveries"] = try await purge("deliveries", olderThan: now - Int64(policy.deliveriesSeconds) * 1000,
                                                      time: "created_at", extra: "AND state NOT IN ('pending', 'held')")
        sweep.deleted["audit_log"] = try await purge("audit_log", olderThan: now - Int64(policy.auditLogSeconds) * 1000, time: "at")
        sweep.deleted["alerts"] = try await purgeAlerts(resolvedBefore: now - Int64(policy.alertsSeconds) * 1000)
        return sweep
    }

    private func purge(_ table: String, olderThan cutoff: Int64, time: String, extra: String = "") async throws -> Int {
        var total = 0
        while true {
            let ids = try await StorageAccess.read(database) { [batch] db in
                try Int64.fetchAll(db, sql: "SELECT id FROM \(table) WHERE \(time) < ? \(extra) ORDER BY id LIMIT ?",
                                   arguments: [cutoff, batch])
            }
            guard !ids.isEmpty else { return total }
            try await StorageAccess.write(database) { db in
                try db.execute(sql: "DELETE FROM \(table) WHERE id IN (\(ids.map(String.init).joined(separator: ",")))")
            }
            total += ids.count
            if ids.count < batch { return total }
            await Task.yield()
        }
    }

    /// Keeps at most `perSource` dead letters per device (or topic, for unknown devices), the newest.
    private func capDeadLetters(perSource: Int) async throws -> Int {
        let over = try await StorageAccess.read(database) { db in
            try Row.fetchAll(db, sql: """
                SELECT COALESCE(device_id, topic) AS source, COUNT(*) AS n FROM dead_letters
                GROUP BY COALESCE(device_id, topic) HAVING COUNT(*) > ? LIMIT 1000
                """, arguments: [perSource]).map { (source: $0["source"] as String, excess: ($0["n"] as Int) - perSource) }
        }
        var total = 0
        for (source, excess) in over {
            var left = excess
            while left > 0 {
                let take = min(left, batch)
                try await StorageAccess.write(database) { db in
                    try db.execute(sql: """
                        DELETE FROM dead_letters WHERE id IN (
                            SELECT id FROM dead_letters WHERE COALESCE(device_id, topic) = ? ORDER BY id LIMIT ?)
                        """, arguments: [source, take])
                }
                left -= take
                total += take
            }
        }
        return total
    }

    /// Resolved alerts past retention, with their transitions, work orders and deliveries.
    private func purgeAlerts(resolvedBefore cutoff: Int64) async throws -> Int {
        var total = 0
        while true {
            let ids = try await StorageAccess.read(database) { [batch] db in
                try String.fetchAll(db, sql: "SELECT id FROM alerts WHERE state = 'resolved' AND resolved_at < ? LIMIT ?",
                                    arguments: [cutoff, batch])
            }
            guard !ids.isEmpty else { return total }
            try await StorageAccess.write(database) { db in
                for table in ["alert_transitions", "work_order_updates", "work_orders", "deliveries"] {
                    let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
                    try db.execute(sql: "DELETE FROM \(table) WHERE alert_id IN (\(placeholders))", arguments: StatementArguments(ids))
                }
                let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
                try db.execute(sql: "DELETE FROM alerts WHERE id IN (\(placeholders))", arguments: StatementArguments(ids))
            }
            total += ids.count
            if ids.count < batch { return total }
        }
    }
}
