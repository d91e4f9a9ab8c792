import Foundation
@testable import GatewayRuntime
import GRDB
import Testing

/// The WAL is copied into the database by a connection of its own, not by the commits of the network thread.
@Suite("WAL checkpoints off the ingest path")
struct WALCheckpointTests {
    @Test func theWriterLeavesCheckpointsToTheServiceWhoseConnectionCopiesTheLog() throws {
        let directory = try TemporaryDirectory.make(prefix: "wal-checkpoint")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("gateway.sqlite").path
        let pool = try GatewayDatabase.open(path: path)
        let threshold = try pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA wal_autocheckpoint") }
        #expect(threshold == 65536)
        // A few thousand pages written in many commits: far below the writer's own threshold.
        for batch in 0..<50 {
            try pool.write { db in
                for index in 0..<40 {
                    try db.execute(sql: "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, 'test', 'wal', ?, ?)",
                                   arguments: [batch * 100 + index, "t\(index)", String(repeating: "x", count: 800)])
                }
            }
        }
        let connection = try WALCheckpointService.Connection(path: path)
        defer { connection.close() }
        let copied = try connection.checkpoint().get()
        #expect(copied > 0, "the background connection copied no frame")
        // SQLite counts every frame of the log that is in the database now: all of them, again.
        #expect(try connection.checkpoint().get() == copied)
        #expect(try pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM audit_log WHERE action = 'wal'") } == 2000)
    }
}
