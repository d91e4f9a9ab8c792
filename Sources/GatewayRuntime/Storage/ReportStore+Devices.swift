import DeviceModel
import GRDB

/// Device figures: online share of device-time, never seen, battery-low days, maintenance.
extension ReportStore {
    /// Offline time of a device is the union of (a) the time after a `status` message `{"online": false}` until
    /// its next status message (device time, `ts`) and (b) the time an alert of an offline rule (absence of any
    /// message) was open; both clipped to the period and to the device's first sighting. The union is merged
    /// in SQL (islands of overlapping intervals), so neither source counts an hour twice.
    static let deviceTimeSQL = """
        WITH reg AS MATERIALIZED (
            SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS family,
                   json_extract(value, '$[2]') AS community, json_extract(value, '$[3]') AS type
            FROM json_each(:devices)),
        seen AS MATERIALIZED (
            SELECT reg.id, reg.family, reg.community, reg.type, MAX(:start, s.first_seen_at) AS from_at
            FROM reg JOIN device_state s ON s.device_id = reg.id WHERE s.first_seen_at < :end),
        st AS (
            SELECT seen.id AS device_id, seen.from_at AS ts,
                   (SELECT json_extract(e.body, '$.online') FROM events e
                    WHERE e.device_id = seen.id AND e.channel = 'status' AND e.ts < :start ORDER BY e.ts DESC LIMIT 1) AS online
            FROM seen
            UNION ALL
            SELECT e.device_id, e.ts, json_extract(e.body, '$.online')
            FROM seen JOIN events e ON e.device_id = seen.id AND e.channel = 'status' AND e.ts >= :start AND e.ts < :end),
        st2 AS (SELECT device_id, ts, online, LEAD(ts) OVER (PARTITION BY device_id ORDER BY ts) AS next_ts FROM st),
        iv AS (
            SELECT st2.device_id, seen.family, seen.community, seen.type, MAX(st2.ts, seen.from_at) AS a,
                   MIN(COALESCE(st2.next_ts, :end), :end) AS b
            FROM st2 JOIN seen ON seen.id = st2.device_id WHERE st2.online = 0
            UNION ALL
            SELECT al.device, seen.family, seen.community, seen.type, MAX(al.opened_at, seen.from_at),
                   MIN(COALESCE(al.resolved_at, :end), :end)
            FROM alerts al JOIN seen ON seen.id = al.device
            WHERE al.rule IN (SELECT value FROM json_each(:offlineRules)) AND al.opened_at < :end
              AND COALESCE(al.resolved_at, :end) > :start),
        ordered AS (
            SELECT device_id, family, community, type, a, b,
                   MAX(b) OVER (PARTITION BY device_id ORDER BY a, b ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
            FROM iv WHERE b > a),
        islands AS (
            SELECT device_id, family, community, type, a, b,
                   SUM(CASE WHEN prev_end IS NULL OR a > prev_end THEN 1 ELSE 0 END)
                       OVER (PARTITION BY device_id ORDER BY a, b ROWS UNBOUNDED PRECEDING) AS island
            FROM ordered),
        merged AS (SELECT family, community, type, MIN(a) AS a, MAX(b) AS b FROM islands GROUP BY device_id, island)
        -- Device time and offline time summed per group separately (no join of per-device rows back to devices).
        SELECT family, community, type, SUM(devices) AS devices, SUM(device_ms) AS device_ms, SUM(offline_ms) AS offline_ms
        FROM (SELECT family, community, type, COUNT(*) AS devices, SUM(:end - from_at) AS device_ms, 0 AS offline_ms
              FROM seen GROUP BY family, community, type
              UNION ALL
              SELECT family, community, type, 0, 0, SUM(b - a) FROM merged GROUP BY family, community, type)
        GROUP BY family, community, type
        """

    func devices(_ bounds: Bounds, scope: ReportScope, in db: Database) throws -> DeviceFigures {
        let arguments: StatementArguments = ["start": bounds.start, "end": bounds.end, "devices": bounds.devices,
                                             "offlineRules": bounds.offlineRules]
        struct Group { var family, community, type: String; var devices: Int; var deviceMillis, offlineMillis: Int64 }
        let groups = try Row.fetchAll(db, sql: Self.deviceTimeSQL, arguments: arguments).map {
            Group(family: $0["family"], community: $0["community"], type: $0["type"], devices: $0["devices"],
                  deviceMillis: $0["device_ms"], offlineMillis: $0["offline_ms"])
        }
        func sum(_ key: String, _ label: String, _ members: [Group]) -> OnlineShare {
            OnlineShare(key: key, label: label, devices: members.reduce(0) { $0 + $1.devices },
                        deviceHours: Double(members.reduce(Int64(0)) { $0 + $1.deviceMillis }) / 3_600_000,
                        offlineHours: Double(members.reduce(Int64(0)) { $0 + $1.offlineMillis }) / 3_600_000)
        }
        let families = DeviceFamily.allCases.map { family in
            sum(family.rawValue, family.label, groups.filter { $0.family == family.rawValue })
        }
        let communities = scope.summary.communities.map { id in
            sum(id, scope.communityNames[id] ?? id, groups.filter { $0.community == id })
        }
        let video: Set<String> = [DeviceType.accessCamera.rawValue, DeviceType.videoAnalytics.rawValue]
        let never = try String.fetchAll(db, sql: """
            SELECT json_extract(value, '$[0]') AS id FROM json_each(:devices)
            WHERE NOT EXISTS (SELECT 1 FROM device_state s WHERE s.device_id = json_extract(value, '$[0]') AND s.first_seen_at < :end)
            ORDER BY id
            """, arguments: arguments)
        let battery = try Row.fetchOne(db, sql: """
            WITH RECURSIVE days(d) AS (SELECT :start UNION ALL SELECT d + 86400000 FROM days WHERE d + 86400000 < :end),
            low AS (SELECT DISTINCT al.device, days.d FROM alerts al
                    JOIN days ON al.opened_at < days.d + 86400000 AND COALESCE(al.resolved_at, :end) > days.d
                    WHERE al.rule IN (SELECT value FROM json_each(:batteryRules))
                      AND al.device IN (SELECT json_extract(value, '$[0]') FROM json_each(:devices))
                      AND al.opened_at < :end AND COALESCE(al.resolved_at, :end) > :start)
            SELECT COUNT(*) AS days, COUNT(DISTINCT device) AS devices FROM low
            """, arguments: ["start": bounds.start, "end": bounds.end, "batteryRules": bounds.batteryRules, "devices": bounds.devices])
        let maintenance = try Int.fetchOne(db, sql: """
            SELECT COUNT(*) FROM (
                SELECT target AS id FROM audit_log WHERE action = 'device.maintenance.start' AND at >= :start AND at < :end
                UNION
                SELECT substr(id, 13) FROM silences WHERE id LIKE 'maintenance-%' AND created_at < :end AND until_at > :start)
            WHERE id IN (SELECT json_extract(value, '$[0]') FROM json_each(:devices))
            """, arguments: arguments) ?? 0
        return DeviceFigures(
            registered: scope.members.count, neverSeen: never.count, neverSeenDevices: Array(never.prefix(50)),
            online: sum("all", "全部设备", groups), onlineByFamily: families, onlineByCommunity: communities,
            sharpEyesVideo: sum("sharp_eyes_video", "雪亮视频（摄像机、视频分析）", groups.filter { video.contains($0.type) }),
            batteryLowDays: battery?["days"] ?? 0, batteryLowDevices: battery?["devices"] ?? 0, inMaintenance: maintenance)
    }
}

extension DeviceFamily {
    /// 门禁, 养老看护, 公共安全.
    var label: String {
        switch self {
        case .accessControl: "门禁"
        case .elderlyCare: "养老看护"
        case .publicSafety: "公共安全（雪亮）"
        }
    }
}
