import Foundation
import GRDBSQLite
import Logging
import ServiceLifecycle

/// Copies the write-ahead log into the database file from a connection of its own, every second, so that
/// the MQTT network thread — which commits every batch — never does it. SQLite's automatic checkpoint runs
/// inside the commit that crosses its threshold: a pause of tens of milliseconds in ingest (and in the
/// PUBACKs and alerts behind it) each time. A PASSIVE checkpoint waits for no one: the writer goes on
/// appending while it runs, so under steady traffic the log is never all copied and SQLite never starts it
/// over — it grew to the writer's 256 MB safety threshold at 15,000 msg/s, every frame a new page of the file
/// for the kernel to allocate and zero (an eighth of the daemon's CPU). So each pass ends with a RESTART
/// checkpoint: it takes the writer's lock for the frames appended since (a few milliseconds' worth), waits
/// briefly for readers, and the writer's next commit starts the log over, writing pages the file already has.
/// The writer keeps a far higher automatic threshold (``GatewayDatabase``) only as a safety net.
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
            // How long the RESTART step waits for the writer's lock and for readers: the writer commits a batch
            // in a millisecond or two, and whatever this step holds up is ingest.
            sqlite3_busy_timeout(handle, Self.restartWaitMilliseconds)
        }

        static let restartWaitMilliseconds: Int32 = 10

        /// A PASSIVE checkpoint (the bulk, beside the writer), then a RESTART one (the rest, under the writer's
        /// lock, so the log starts over): the number of frames of the log in the database. A RESTART that
        /// could not have the lock or the readers in time is no failure: it copied what it could, and the next
        /// pass tries again. `betweenSteps` runs after the PASSIVE step (a test commits there: the traffic that
        /// arrives while a checkpoint copies).
        func checkpoint(betweenSteps: () -> Void = {}) -> Result<Int, CheckpointError> {
            guard let handle else { return .failure(CheckpointError(code: SQLITE_MISUSE, message: "closed")) }
            var logFrames: Int32 = 0, copied: Int32 = 0
            for mode in [SQLITE_CHECKPOINT_PASSIVE, SQLITE_CHECKPOINT_RESTART] {
                let code = sqlite3_wal_checkpoint_v2(handle, "main", mode, &logFrames, &copied)
                guard code == SQLITE_OK || (mode == SQLITE_CHECKPOINT_RESTART && code == SQLITE_BUSY) else {
                    return .failure(CheckpointError(code: code, message: String(cString: sqlite3_errmsg(handle))))
                }
                if mode == SQLITE_CHECKPOINT_PASSIVE { betweenSteps() }
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
