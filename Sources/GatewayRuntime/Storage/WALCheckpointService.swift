import Foundation
import GRDBSQLite
import Logging
import ServiceLifecycle

/// Copies the write-ahead log into the database file from a connection of its own, every second, so that
/// the MQTT network thread — which commits every batch — never does it. SQLite's automatic checkpoint runs
/// inside the commit that crosses its threshold: a pause of tens of milliseconds in ingest (and in the
/// PUBACKs and alerts behind it) each time. A PASSIVE checkpoint waits for no one: the writer goes on
/// appending while it runs, and starts the log over at its next commit once it is all copied. The writer
/// keeps a far higher automatic threshold (``GatewayDatabase``) only as a safety net.
final class WALCheckpointService: Service, Sendable, CustomStringConvertible {
    let path: String
    let interval: Duration
    let logger: Logger

    init(path: String, interval: Duration = .seconds(1), logger: Logger) {
        self.path = path
        self.interval = interval
        self.logger = logger
    }

    var description: String { "WALCheckpointService" }

    func run() async throws {
        let connection: Connection
        do {
            connection = try Connection(path: path)
        } catch {
            logger.error("background WAL checkpoints unavailable; the writer checkpoints by itself", metadata: ["error": "\(error)"])
            // A service that returns ends the gateway: wait for its shutdown instead.
            try? await gracefulShutdown()
            return
        }
        var failures = 0
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            guard !Task.isCancelled, !Task.isShuttingDownGracefully else { break }
            // Off the cooperative pool: a checkpoint reads and writes the file and syncs it.
            let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Int, CheckpointError>, Never>) in
                DispatchQueue.global(qos: .utility).async { continuation.resume(returning: connection.checkpoint()) }
            }
            if case let .failure(error) = result {
                failures += 1
                if failures == 1 || failures % 60 == 0 {
                    logger.warning("background WAL checkpoint failed; retrying", metadata: ["error": "\(error)", "checkpoint.failures": "\(failures)"])
                }
            } else {
                failures = 0
            }
        }
        connection.close()
    }

    struct CheckpointError: Error, CustomStringConvertible {
        var code: Int32
        var message: String
        var description: String { "SQLite error \(code): \(message)" }
    }

    /// A read-write connection of SQLite's own (GRDB's pool has one writer, and its readers are read-only).
    /// Used from one thread at a time.
    final class Connection: @unchecked Sendable {
        private var handle: OpaquePointer?

        init(path: String) throws(CheckpointError) {
            var handle: OpaquePointer?
            let code = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
            guard code == SQLITE_OK, let handle else {
                let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
                sqlite3_close_v2(handle)
                throw CheckpointError(code: code, message: message)
            }
            self.handle = handle
            // The checkpoint syncs the log before copying it and the database after, as the writer would.
            sqlite3_exec(handle, "PRAGMA synchronous = FULL", nil, nil, nil)
        }

        /// One PASSIVE checkpoint: the number of frames copied.
        func checkpoint() -> Result<Int, CheckpointError> {
            guard let handle else { return .failure(CheckpointError(code: SQLITE_MISUSE, message: "closed")) }
            var logFrames: Int32 = 0, copied: Int32 = 0
            let code = sqlite3_wal_checkpoint_v2(handle, "main", SQLITE_CHECKPOINT_PASSIVE, &logFrames, &copied)
            guard code == SQLITE_OK else {
                return .failure(CheckpointError(code: code, message: String(cString: sqlite3_errmsg(handle))))
            }
            return .success(Int(copied))
        }

        func close() {
            sqlite3_close_v2(handle)
            handle = nil
        }

        deinit { sqlite3_close_v2(handle) }
    }
}
