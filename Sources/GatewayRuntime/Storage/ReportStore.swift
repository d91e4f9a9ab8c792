import DeviceModel
import Foundation
import GRDB

/// The governance report's figures, computed in SQL over one read transaction: counts, sums, merged offline
/// intervals and nearest-rank percentiles are done by SQLite, so a month of millions of events is never loaded.
/// The scope's devices and communities are handed in as JSON arrays (`json_each`).
struct ReportStore: Sendable {
    /// The SQL arguments every query of one period shares.
    struct Bounds {
        var start: Int64
        var end: Int64
        /// JSON array of the scope's community ids.
        var communities: String
        /// JSON array of `[id, family, community, type]` of the scope's devices.
        var devices: String
        var offlineRules: String
        var batteryRules: String
    }

    func figures(_ bounds: Bounds, scope: ReportScope, period: ReportPeriod, in db: Database) throws -> ReportFigures {
        ReportFigures(devices: try devices(bounds, scope: scope, in: db),
                      alerts: try alerts(bounds, scope: scope, period: period, in: db),
                      workOrders: try workOrders(bounds, scope: scope, in: db),
                      elderCare: try elderCare(bounds, scope: scope, in: db))
    }

    // MARK: - Percentiles

    /// Count, median and p90 (nearest rank) of the values `select` yields as column `v`.
    static func stats(_ select: String, _ arguments: StatementArguments, in db: Database) throws -> DurationStats {
        let row = try Row.fetchOne(db, sql: """
            WITH vals AS (\(select)),
            ranked AS (SELECT v, ROW_NUMBER() OVER (ORDER BY v) AS r, COUNT(*) OVER () AS n FROM vals WHERE v IS NOT NULL)
            SELECT COUNT(*) AS n,
                   MIN(CASE WHEN r >= (n * 50 + 99) / 100 THEN v END) AS p50,
                   MIN(CASE WHEN r >= (n * 90 + 99) / 100 THEN v END) AS p90
            FROM ranked
            """, arguments: arguments)
        guard let row, (row["n"] as Int) > 0 else { return .none }
        return DurationStats(count: row["n"], medianSeconds: (row["p50"] as Int64?).map { $0 / 1000 },
                             p90Seconds: (row["p90"] as Int64?).map { $0 / 1000 })
    }

    /// ``stats(_:_:in:)`` and the count per bucket of ``DurationBucket/bounds``, in one statement.
    static func durations(_ select: String, _ arguments: StatementArguments, in db: Database) throws -> (DurationStats, [DurationBucket]) {
        var lower: Int64 = 0
        var columns: [String] = []
        for (index, bound) in DurationBucket.bounds.enumerated() {
            let upper = bound.below.map { " AND v < \($0 * 1000)" } ?? ""
            columns.append("COALESCE(SUM(v >= \(lower)\(upper)), 0) AS b\(index)")
            lower = (bound.below ?? 0) * 1000
        }
        let row = try Row.fetchOne(db, sql: """
            WITH vals AS (\(select)),
            ranked AS (SELECT v, ROW_NUMBER() OVER (ORDER BY v) AS r, COUNT(*) OVER () AS n FROM vals WHERE v IS NOT NULL)
            SELECT COUNT(*) AS n,
                   MIN(CASE WHEN r >= (n * 50 + 99) / 100 THEN v END) AS p50,
                   MIN(CASE WHEN r >= (n * 90 + 99) / 100 THEN v END) AS p90,
                   \(columns.joined(separator: ", "))
            FROM ranked
            """, arguments: arguments)!
        let count: Int = row["n"]
        let stats = count == 0 ? DurationStats.none
            : DurationStats(count: count, medianSeconds: (row["p50"] as Int64?).map { $0 / 1000 }, p90Seconds: (row["p90"] as Int64?).map { $0 / 1000 })
        return (stats, DurationBucket.bounds.indices.map { DurationBucket(bucket: DurationBucket.bounds[$0].label, count: row["b\($0)"]) })
    }
}

extension ReportStore {
    /// The registry with run-time registrations applied, then the figures of each period, in one read
    /// transaction (one snapshot of the file).
    static func read(_ pool: StoragePool, registry: DeviceRegistry,
                     scope makeScope: @escaping @Sendable (DeviceRegistry) throws -> ReportScope,
                     periods: [ReportPeriod]) async throws -> (ReportScope, [ReportFigures]) {
        try await StorageAccess.read(pool) { db in
            // GATEWAYD_REPORT_PROFILE=1 prints each statement's time on stderr (for tuning the queries).
            if ProcessInfo.processInfo.environment["GATEWAYD_REPORT_PROFILE"] != nil {
                db.trace(options: .profile) { event in
                    if case let .profile(statement, duration) = event {
                        FileHandle.standardError.write(Data(String(format: "%.3f s  %@\n", duration,
                                                                   String(statement.sql.prefix(120)).replacingOccurrences(of: "\n", with: " ")).utf8))
                    }
                }
            }
            let scope = try makeScope(try OperationsStore().mergedRegistry(registry, in: db))
            return (scope, try figures(db, scope: scope, periods: periods))
        }
    }

    static func figures(_ db: Database, scope: ReportScope, periods: [ReportPeriod]) throws -> [ReportFigures] {
        let encoder = JSONEncoder()
        func json(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        let communities = try json(scope.summary.communities)
        let devices = try json(scope.members.map { [$0.id, $0.family.rawValue, $0.community, $0.type.rawValue] })
        let offline = try json(scope.offlineRules), battery = try json(scope.batteryRules)
        return try periods.map { period in
            try ReportStore().figures(Bounds(start: period.startMillis, end: period.endMillis, communities: communities,
                                             devices: devices, offlineRules: offline, batteryRules: battery),
                                      scope: scope, period: period, in: db)
        }
    }
}
