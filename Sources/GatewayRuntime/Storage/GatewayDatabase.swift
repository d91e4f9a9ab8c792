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
            // The WAL is copied into the database by ``WALCheckpointService``, off the network thread, every
            // second. The writer's own checkpoint (inside the commit that crosses the threshold: SQLite's
            // default is every 4 MB, ten times a second at 15,000 msg/s, each a pause of ingest) stays only as a
            // safety net should the service fall behind: at 256 MB.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 65536")
        }
        try GatewayMigrations.migrator.migrate(pool)
        return pool
    }
}
