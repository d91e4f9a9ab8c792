import GRDB

/// The database as the rest of the runtime sees it: a pool and a connection handed through to the stores
/// of this folder, which alone hold SQL (and alone import GRDB). A transaction is opened here; what it does
/// is said by the stores' typed methods.
public typealias StoragePool = DatabasePool
public typealias StorageConnection = Database

enum StorageAccess {
    /// One write transaction.
    static func write<T: Sendable>(_ pool: StoragePool, _ body: @escaping @Sendable (StorageConnection) throws -> T) async throws -> T {
        try await pool.write(body)
    }

    /// One read transaction (readers never block the writer in WAL mode).
    static func read<T: Sendable>(_ pool: StoragePool, _ body: @escaping @Sendable (StorageConnection) throws -> T) async throws -> T {
        try await pool.read(body)
    }

    /// One read transaction, from synchronous code.
    static func readNow<T>(_ pool: StoragePool, _ body: (StorageConnection) throws -> T) throws -> T {
        try pool.read(body)
    }

    /// The writer connection without a transaction of its own: the caller opens one with ``transaction(_:_:)``.
    static func writer<T: Sendable>(_ pool: StoragePool, _ body: @escaping @Sendable (StorageConnection) throws -> T) async throws -> T {
        try await pool.writeWithoutTransaction(body)
    }

    /// The writer connection without a transaction of its own, from synchronous code on the calling thread
    /// (GRDB runs `body` there when the writer is free, else waits for it): the MQTT network thread commits
    /// its batches this way, with no hop to another thread.
    static func writerNow<T>(_ pool: StoragePool, _ body: (StorageConnection) throws -> T) throws -> T {
        try pool.writeWithoutTransaction(body)
    }

    /// How long to wait before retrying a write the database refused, after `attempt` refusals: 50 ms growing
    /// quadratically to 2 s (a full disk or a lock clears in seconds; nothing is lost meanwhile).
    static func retryDelay(attempt: Int) -> Duration {
        .milliseconds(min(2000, 50 * attempt * attempt))
    }

    /// Runs `body` in a transaction on `db` and commits (rolls back when it throws, or when the commit fails).
    /// BEGIN and COMMIT are cached statements: every ingest batch is one transaction, and GRDB's
    /// `inTransaction` prepared both anew each time (a tenth of a batch's CPU at 1,000 msg/s).
    static func transaction(_ db: StorageConnection, _ body: () throws -> Void) throws {
        try db.cachedStatement(sql: "BEGIN").execute()
        do {
            try body()
            try db.cachedStatement(sql: "COMMIT").execute()
        } catch {
            if db.isInsideTransaction { try? db.execute(sql: "ROLLBACK") }
            throw error
        }
    }
}
