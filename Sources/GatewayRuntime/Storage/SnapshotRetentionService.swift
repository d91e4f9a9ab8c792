import Logging
import ServiceLifecycle

/// Deletes snapshots whose retention has ended, at start and then every ten minutes.
struct SnapshotRetentionService: Service, CustomStringConvertible {
    let store: SnapshotStore
    let clock: @Sendable () -> Int64
    let logger: Logger
    var interval: Duration = .seconds(600)

    var description: String { "SnapshotRetentionService" }

    func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                let removed = try await store.sweep(now: clock())
                if removed > 0 { logger.info("expired snapshots deleted", metadata: ["snapshots.deleted": "\(removed)"]) }
            } catch {
                logger.error("snapshot retention sweep failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
