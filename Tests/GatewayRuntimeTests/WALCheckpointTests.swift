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

    /// Under steady traffic a PASSIVE checkpoint never finds the whole log copied, so SQLite never starts it
    /// over: it grew to the writer's 256 MB threshold, a new page of the file for every frame. The service's
    /// pass ends with a RESTART, and the writer's next commit writes from the start of the file again.
    @Test func eachPassLetsTheWriterStartTheLogOverSoTheFileStopsGrowing() throws {
        let directory = try TemporaryDirectory.make(prefix: "wal-restart")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("gateway.sqlite").path
        let pool = try GatewayDatabase.open(path: path)
        let connection = try WALCheckpointService.Connection(path: path)
        defer { connection.close() }
        func writeRound(_ round: Int) throws {
            for batch in 0..<50 {
                try pool.write { db in
                    for index in 0..<40 {
                        try db.execute(sql: "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, 'test', 'wal', ?, ?)",
                                       arguments: [round * 10_000 + batch * 100 + index, "t\(index)", String(repeating: "x", count: 800)])
                    }
                }
            }
        }
        func logSize() throws -> Int {
            try (FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? NSNumber)?.intValue ?? 0
        }
        try writeRound(0)
        // The writer commits while the pass copies (as it does under steady traffic): the PASSIVE step alone
        // leaves those frames uncopied, and the log could not start over.
        var round = 1
        #expect(try connection.checkpoint(betweenSteps: { try? writeRound(round) }).get() > 0)
        let afterTwoRounds = try logSize()
        for _ in 0..<4 {
            round += 1
            try writeRound(round)
            _ = try connection.checkpoint().get()
        }
        // Four more rounds: each written over the log's start, none appended to it.
        let afterSixRounds = try logSize()
        #expect(afterSixRounds == afterTwoRounds, "the log grew from \(afterTwoRounds) to \(afterSixRounds) bytes")
        #expect(try pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM audit_log WHERE action = 'wal'") } == 12_000)
    }
}
