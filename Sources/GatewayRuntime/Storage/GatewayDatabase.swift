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
        }
        try GatewayMigrations.migrator.migrate(pool)
        return pool
    }
}
