import Foundation
import GRDB

/// The gateway's SQLite file: one `DatabasePool` (WAL) for the whole process, migrated on open.
///
/// `synchronous = FULL`: under WAL, `NORMAL` may lose the last commits on power loss, and every event we
/// commit has already been acknowledged to the broker. The cost is measured by the benchmark.
public enum GatewayDatabase {
    public static func open(path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let pool = try DatabasePool(path: path, configuration: configuration)
        // Not in `prepareDatabase`: the pool switches its writer to WAL *after* preparing it, and sets
        // `synchronous = NORMAL` as it does (GRDB's `setUpWALMode`) — a FULL set there never took effect.
        // The writer is one connection for the pool's life, so setting it once here holds.
        try pool.barrierWriteWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // The writer checkpoints the WAL into the database as it commits. Every 4 MB (SQLite's default,
            // 1,000 pages) meant ten checkpoints a second at 15,000 msg/s, each copying the same hot pages
            // (indexes keyed by device, device state) again. Every 64 MB copies each of them once: a
            // twentieth of the work, for a larger WAL file (replayed on open after a crash, in well under a second).
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 16384")
        }
        try GatewayMigrations.migrator.migrate(pool)
        return pool
    }
}
