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
        migrator.registerMigration("v2-alerts") { db in
            try db.execute(sql: """
                CREATE TABLE alerts (
                    id TEXT PRIMARY KEY,
                    rule TEXT NOT NULL,
                    scope TEXT NOT NULL,
                    community TEXT NOT NULL,
                    device TEXT NOT NULL,
                    severity TEXT NOT NULL,
                    state TEXT NOT NULL,
                    title TEXT NOT NULL,
                    escalation_level INTEGER NOT NULL,
                    opened_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    resolved_at INTEGER,
                    body TEXT NOT NULL
                );
                CREATE INDEX alerts_by_state ON alerts (state, community, opened_at);

                -- The audit trail: every transition, who made it and why.
                CREATE TABLE alert_transitions (
                    id INTEGER PRIMARY KEY,
                    alert_id TEXT NOT NULL REFERENCES alerts (id),
                    kind TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    escalation_level INTEGER NOT NULL
                );
                CREATE INDEX alert_transitions_by_alert ON alert_transitions (alert_id, id);

                -- Condition memory of the rule engine per (rule, scope): sustained windows, timers, counts.
                CREATE TABLE rule_state (
                    key TEXT PRIMARY KEY,
                    rule TEXT NOT NULL,
                    scope TEXT NOT NULL,
                    state TEXT NOT NULL
                );
                CREATE TABLE engine_meta (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    started_at INTEGER NOT NULL,
                    suppressed_hits INTEGER NOT NULL,
                    opened_count INTEGER NOT NULL DEFAULT 0
                );

                -- Alert publications, written in the transaction that made them, sent at least once.
                CREATE TABLE mqtt_outbox (
                    id INTEGER PRIMARY KEY,
                    topic TEXT NOT NULL,
                    payload BLOB NOT NULL,
                    retain INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    published_at INTEGER
                );
                CREATE INDEX mqtt_outbox_pending ON mqtt_outbox (id) WHERE published_at IS NULL;
                """)
        }
        migrator.registerMigration("v3-deliveries") { db in
            try db.execute(sql: """
                -- Outbound HTTP deliveries (work orders, relatives' messages), written in the transaction of
                -- the alert transition that causes them; delivered at least once with their idempotency key.
                CREATE TABLE deliveries (
                    id INTEGER PRIMARY KEY,
                    idempotency_key TEXT NOT NULL UNIQUE,
                    target TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    alert_id TEXT NOT NULL,
                    path TEXT NOT NULL DEFAULT '',
                    recipient TEXT,
                    body TEXT NOT NULL,
                    state TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    delivered_at INTEGER,
                    last_status INTEGER,
                    last_error TEXT,
                    response TEXT
                );
                CREATE INDEX deliveries_due ON deliveries (target, next_attempt_at) WHERE state = 'pending';
                CREATE INDEX deliveries_by_alert ON deliveries (alert_id, target, id);
                CREATE INDEX deliveries_by_recipient ON deliveries (recipient, created_at) WHERE recipient IS NOT NULL;

                -- Grid work orders opened for alerts, and the status the work-order system reports back.
                CREATE TABLE work_orders (
                    alert_id TEXT PRIMARY KEY REFERENCES alerts (id),
                    community TEXT NOT NULL,
                    external_ref TEXT,
                    status TEXT NOT NULL,
                    category TEXT NOT NULL,
                    deadline_at INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    supervised_at INTEGER
                );
                CREATE INDEX work_orders_open ON work_orders (deadline_at) WHERE status != 'closed';

                CREATE TABLE work_order_updates (
                    id INTEGER PRIMARY KEY,
                    alert_id TEXT NOT NULL,
                    status TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    note TEXT,
                    at INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v4-operations") { db in
            try db.execute(sql: """
                -- Devices registered or changed at run time (HTTP API, commissioning). They override the
                -- devices.yaml entry of the same id and survive restarts.
                CREATE TABLE device_registrations (
                    id TEXT PRIMARY KEY,
                    body TEXT NOT NULL,
                    updated_at INTEGER NOT NULL,
                    updated_by TEXT NOT NULL
                );

                -- Maintenance windows and silences set at run time.
                CREATE TABLE silences (
                    id TEXT PRIMARY KEY,
                    body TEXT NOT NULL,
                    until_at INTEGER NOT NULL,
                    created_by TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );

                -- Every change made through the API or the console: who, what, when.
                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY,
                    at INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    target TEXT NOT NULL,
                    detail TEXT
                );
                CREATE INDEX audit_log_by_time ON audit_log (at);
                """)
        }
        migrator.registerMigration("v5-native-keys") { db in
            // Vendor formats carry their own identity per reading (Hikvision serialNo, Dahua RecNo, the
            // identifiers of a thing-model post): distinct events of one device in one second are all kept,
            // a redelivered one still once. SQLite cannot change a table's UNIQUE constraint: rebuild.
            try db.execute(sql: """
                CREATE TABLE events_v5 (
                    id INTEGER PRIMARY KEY,
                    device_id TEXT NOT NULL,
                    community TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    ts INTEGER NOT NULL,
                    native_key TEXT NOT NULL DEFAULT '',
                    received_at INTEGER NOT NULL,
                    event TEXT,
                    body TEXT NOT NULL,
                    format TEXT NOT NULL,
                    UNIQUE (device_id, channel, ts, native_key)
                );
                INSERT INTO events_v5 (id, device_id, community, channel, ts, native_key, received_at, event, body, format)
                    SELECT id, device_id, community, channel, ts, '', received_at, event, body, format FROM events;
                DROP TABLE events;
                ALTER TABLE events_v5 RENAME TO events;
                CREATE INDEX events_by_received ON events (received_at);
                CREATE INDEX events_by_device ON events (device_id, ts);

                -- Snapshots pushed with events (face terminals, cameras): files named by content hash,
                -- deleted when their retention ends.
                CREATE TABLE snapshots (
                    sha256 TEXT PRIMARY KEY,
                    bytes INTEGER NOT NULL,
                    content_type TEXT NOT NULL,
                    device_id TEXT NOT NULL,
                    stored_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL
                );
                CREATE INDEX snapshots_by_expiry ON snapshots (expires_at);
                """)
        }
        migrator.registerMigration("v6-dead-letter-shape") { db in
            // Dead letters keep the payload's shape (values masked) by default, with its hash to match
            // reports against; `payload_kept` says 'redacted' or 'raw' (raw only under an admin's time-limited
            // capture for one device, audited).
            try db.execute(sql: """
                ALTER TABLE dead_letters ADD COLUMN payload_sha256 TEXT;
                ALTER TABLE dead_letters ADD COLUMN payload_kept TEXT NOT NULL DEFAULT 'raw';
                CREATE TABLE raw_capture (
                    device_id TEXT PRIMARY KEY,
                    until INTEGER NOT NULL,
                    by TEXT NOT NULL,
                    started_at INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v7-outbox-ids-never-reused") { db in
            // An outbox id must never come back: with a plain INTEGER PRIMARY KEY an emptied table (published
            // rows are pruned after a day) hands out id 1 again. AUTOINCREMENT keeps ids rising for ever.
            try db.execute(sql: """
                CREATE TABLE mqtt_outbox_v7 (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    topic TEXT NOT NULL,
                    payload BLOB NOT NULL,
                    retain INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    published_at INTEGER
                );
                INSERT INTO mqtt_outbox_v7 (id, topic, payload, retain, created_at, published_at)
                    SELECT id, topic, payload, retain, created_at, published_at FROM mqtt_outbox;
                DROP TABLE mqtt_outbox;
                ALTER TABLE mqtt_outbox_v7 RENAME TO mqtt_outbox;
                CREATE INDEX mqtt_outbox_pending ON mqtt_outbox (id) WHERE published_at IS NULL;
                """)
        }
        migrator.registerMigration("v8-partial-readings-and-clocks") { db in
            // The fields a reading lost (JSON list of {field, reason, detail}) and, for a device clock beyond
            // the skew limit, ts - arrival in ms. Existing rows keep NULL (nothing lost, clock in limits).
            try db.execute(sql: """
                ALTER TABLE events ADD COLUMN field_problems TEXT;
                ALTER TABLE events ADD COLUMN clock_skew_ms INTEGER;
                """)
        }
        migrator.registerMigration("v9-duty-ladder") { db in
            // 督办 repeats until the work order is closed: how many were sent and when the next is due. A work
            // order closed or cancelled by the gateway (alert resolved) is no longer supervised.
            // Deliveries: `held` (a relative's quiet hours, released as one digest: `digested`) and `expired`
            // (retried past the horizon) are new states.
            try db.execute(sql: """
                ALTER TABLE work_orders ADD COLUMN supervisions INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE work_orders ADD COLUMN next_supervision_at INTEGER;
                UPDATE work_orders SET supervisions = 1, next_supervision_at = supervised_at + MAX(60000, (deadline_at - created_at) / 2)
                    WHERE supervised_at IS NOT NULL;
                -- Alerts resolved before this version never closed their work orders here: they are closed now, so
                -- they are not supervised again.
                UPDATE work_orders SET status = 'closed'
                    WHERE status NOT IN ('closed', 'cancelled') AND alert_id IN (SELECT id FROM alerts WHERE state = 'resolved');
                CREATE INDEX deliveries_held ON deliveries (next_attempt_at) WHERE state = 'held';
                CREATE INDEX deliveries_by_alert_recipient ON deliveries (alert_id, target, recipient, id) WHERE state = 'pending';
                """)
        }
        migrator.registerMigration("v10-device-registration-columns") { db in
            // Run-time registrations as columns instead of a JSON body: a district's 100,000 imported devices
            // (`gatewayd devices import`) are read at every start and reload, and a JSON decoder per row was most
            // of that time. Existing rows are converted in place.
            try db.execute(sql: """
                CREATE TABLE device_registrations_v10 (
                    id TEXT PRIMARY KEY,
                    type TEXT NOT NULL,
                    community TEXT NOT NULL,
                    grid TEXT NOT NULL,
                    building TEXT,
                    unit TEXT,
                    floor TEXT,
                    room TEXT,
                    zone TEXT,
                    vendor TEXT NOT NULL,
                    model TEXT NOT NULL,
                    serial TEXT NOT NULL,
                    installer TEXT NOT NULL,
                    state TEXT NOT NULL,
                    resident TEXT,
                    report_interval_s INTEGER NOT NULL,
                    binding_protocol TEXT,
                    binding_product TEXT,
                    binding_name TEXT,
                    push_secret_sha256 TEXT,
                    updated_at INTEGER NOT NULL,
                    updated_by TEXT NOT NULL
                );
                INSERT INTO device_registrations_v10
                    SELECT id, json_extract(body, '$.type'), json_extract(body, '$.community'), json_extract(body, '$.grid'),
                        json_extract(body, '$.location.building'), json_extract(body, '$.location.unit'),
                        json_extract(body, '$.location.floor'), json_extract(body, '$.location.room'),
                        json_extract(body, '$.location.zone'), json_extract(body, '$.vendor'), json_extract(body, '$.model'),
                        json_extract(body, '$.serial'), json_extract(body, '$.installer'), json_extract(body, '$.state'),
                        json_extract(body, '$.resident'), json_extract(body, '$.reportIntervalSeconds'),
                        json_extract(body, '$.binding.protocol'), json_extract(body, '$.binding.product'),
                        json_extract(body, '$.binding.name'), json_extract(body, '$.pushSecretSHA256'), updated_at, updated_by
                    FROM device_registrations;
                DROP TABLE device_registrations;
                ALTER TABLE device_registrations_v10 RENAME TO device_registrations;
                """)
        }
        migrator.registerMigration("v11-console-sessions") { db in
            // Signed-in consoles (`POST /api/v1/session`): the SHA-256 of the cookie's random value (never the
            // value itself) and of the API token it was opened with, so that a session survives a restart and
            // ends with its token (a reload that removes or rotates the token).
            try db.execute(sql: """
                CREATE TABLE console_sessions (
                    id_sha256 TEXT PRIMARY KEY,
                    token_sha256 TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL
                );
                CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at);
                """)
        }
        migrator.registerMigration("v12-report-indexes") { db in
            // The governance report reads a period by time: alerts by opening, work orders by creation, a work
            // order's updates. (Each device's status messages are found through the events' own unique index,
            // device_id + channel + ts: ingest pays for no new index.)
            try db.execute(sql: """
                CREATE INDEX alerts_by_opened ON alerts (opened_at);
                CREATE INDEX work_orders_by_created ON work_orders (created_at);
                CREATE INDEX work_order_updates_by_alert ON work_order_updates (alert_id, status, at);
                """)
        }
        migrator.registerMigration("v13-state-without-rowid") { db in
            // Every accepted message updates its device's row in device_state, and rule memory is written as
            // it changes: keyed by text, each was two B-trees (the rowid table and the key's index), so two
            // random pages dirtied — and written to the WAL at commit — per update. Keyed by the text itself
            // (WITHOUT ROWID) it is one. One row per device or (rule, scope): small tables, quick to copy.
            try db.execute(sql: """
                CREATE TABLE device_state_v13 (
                    device_id TEXT PRIMARY KEY,
                    online INTEGER NOT NULL,
                    status_ts INTEGER,
                    last_ts INTEGER NOT NULL,
                    first_seen_at INTEGER NOT NULL,
                    last_seen_at INTEGER NOT NULL,
                    status_changed_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                INSERT INTO device_state_v13 SELECT device_id, online, status_ts, last_ts, first_seen_at, last_seen_at,
                    status_changed_at FROM device_state;
                DROP TABLE device_state;
                ALTER TABLE device_state_v13 RENAME TO device_state;
                CREATE TABLE rule_state_v13 (
                    key TEXT PRIMARY KEY,
                    rule TEXT NOT NULL,
                    scope TEXT NOT NULL,
                    state TEXT NOT NULL
                ) WITHOUT ROWID;
                INSERT INTO rule_state_v13 SELECT key, rule, scope, state FROM rule_state;
                DROP TABLE rule_state;
                ALTER TABLE rule_state_v13 RENAME TO rule_state;
                """)
        }
        migrator.registerMigration("v14-events-one-device-index") { db in
            // An event was written to four B-trees: the table, its identity (device_id, channel, ts, native_key),
            // by arrival (retention) and events_by_device (device_id, ts). The last two keyed by device are each a
            // random page per message, written to the WAL at every commit. The identity index answers what
            // events_by_device did: a device's events by time (with the channel, `IN` all channels) and its
            // newest first (ids from the covering index, then the rows).
            try db.execute(sql: "DROP INDEX IF EXISTS events_by_device")
        }
        return migrator
    }
}
