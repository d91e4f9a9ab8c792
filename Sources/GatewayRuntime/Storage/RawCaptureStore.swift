import Foundation
import GRDB

/// Time-limited raw capture of one device's refused payloads: by default a dead letter keeps only the
/// payload's shape; an admin may switch on raw capture for one device, for at most ``maxDuration``, to see
/// exactly what its firmware sends. Starting and stopping are audited.
public struct RawCaptureStore: Sendable {
    /// The longest a raw capture may run (24 h).
    public static let maxDurationMillis: Int64 = 86_400_000

    public init() {}

    public struct Capture: Sendable, Codable, Hashable {
        public var deviceID: String
        public var until: Int64
        public var by: String
        public var startedAt: Int64

        enum CodingKeys: String, CodingKey {
            case deviceID = "device_id", until, by, startedAt = "started_at"
        }
    }

    func isCapturing(_ deviceID: String, now: Int64, in db: Database) throws -> Bool {
        let until = try Int64.fetchOne(db.cachedStatement(sql: "SELECT until FROM raw_capture WHERE device_id = ?"), arguments: [deviceID])
        return until.map { $0 > now } ?? false
    }

    func capture(_ deviceID: String, in db: Database) throws -> Capture? {
        try Row.fetchOne(db, sql: "SELECT device_id, until, by, started_at FROM raw_capture WHERE device_id = ?", arguments: [deviceID])
            .map { Capture(deviceID: $0["device_id"], until: $0["until"], by: $0["by"], startedAt: $0["started_at"]) }
    }

    func start(_ deviceID: String, until: Int64, by actor: String, now: Int64, in db: Database) throws -> Capture {
        try db.execute(sql: """
            INSERT INTO raw_capture (device_id, until, by, started_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (device_id) DO UPDATE SET until = excluded.until, by = excluded.by, started_at = excluded.started_at
            """, arguments: [deviceID, until, actor, now])
        try OperationsStore().audit(actor: actor, action: "device.raw_capture.start", target: deviceID,
                                    detail: "raw dead-letter payloads until \(until)", now: now, in: db)
        return Capture(deviceID: deviceID, until: until, by: actor, startedAt: now)
    }

    func stop(_ deviceID: String, by actor: String, now: Int64, in db: Database) throws -> Bool {
        try db.execute(sql: "DELETE FROM raw_capture WHERE device_id = ?", arguments: [deviceID])
        guard db.changesCount > 0 else { return false }
        try OperationsStore().audit(actor: actor, action: "device.raw_capture.stop", target: deviceID, detail: nil, now: now, in: db)
        return true
    }
}
