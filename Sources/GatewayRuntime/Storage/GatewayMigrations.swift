import GRDB

/// The schema as an append-only timeline. A migration that has shipped is never edited: add a new one.
/// Written with string SQL, never the app's own types, so old migrations keep meaning what they meant.
public enum GatewayMigrations {
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-events") { db in
            // One row per device, channel and device timestamp: a QoS 1 redelivery is a no-op.
            try db.execute(sql: """
                CREATE TABLE events (
                    id INTEGER PRIMARY KEY,
                    device_id TEXT NOT NULL,
                    community TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    ts INTEGER NOT NULL,
                    received_at INTEGER NOT NULL,
                    event TEXT,
                    body TEXT NOT NULL,
                    format TEXT NOT NULL,
                    UNIQUE (device_id, channel, ts)
                );
                CREATE INDEX events_by_received ON events (received_at);
                CREATE INDEX events_by_device ON events (device_id, ts);

                CREATE TABLE dead_letters (
                    id INTEGER PRIMARY KEY,
                    received_at INTEGER NOT NULL,
                    topic TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    device_id TEXT,
                    payload BLOB NOT NULL,
                    payload_size INTEGER NOT NULL
                );
                CREATE INDEX dead_letters_by_reason ON dead_letters (reason, received_at);

                CREATE TABLE device_state (
                    device_id TEXT PRIMARY KEY,
                    online INTEGER NOT NULL,
                    status_ts INTEGER,
                    last_ts INTEGER NOT NULL,
                    first_seen_at INTEGER NOT NULL,
                    last_seen_at INTEGER NOT NULL,
                    status_changed_at INTEGER NOT NULL
                );
                """)
        }
        return migrator
    }
}
