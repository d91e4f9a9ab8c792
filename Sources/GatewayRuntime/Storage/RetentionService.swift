import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Sweeps records past `settings.retention` a minute after start and then every ten minutes, off the hot path
/// (small batches, see ``RetentionStore``). The last sweep's time and counts are in `/metrics`.
final class RetentionService: Service, Sendable, CustomStringConvertible {
    let store: RetentionStore
    /// The policy in force (a reload may change it).
    let policy: @Sendable () -> RetentionPolicy
    let clock: @Sendable () -> Int64
    let logger: Logger
    let interval: Duration
    let firstDelay: Duration
    /// When the last sweep finished (epoch ms) and what it deleted.
    let last = Mutex<(at: Int64, deleted: [String: Int])?>(nil)

    init(store: RetentionStore, policy: @escaping @Sendable () -> RetentionPolicy, clock: @escaping @Sendable () -> Int64, logger: Logger,
         interval: Duration = .seconds(600), firstDelay: Duration = .seconds(60)) {
        self.store = store
        self.policy = policy
        self.clock = clock
        self.logger = logger
        self.interval = interval
        self.firstDelay = firstDelay
    }

    var description: String { "RetentionService" }

    func run() async throws {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.firstDelay) }
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            _ = await sweepOnce()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }

    /// One sweep now (the service's loop; tests call it directly).
    @discardableResult
    func sweepOnce() async -> RetentionStore.Sweep? {
        do {
            let sweep = try await store.sweep(policy(), now: clock())
            last.withLock { $0 = (clock(), sweep.deleted) }
            let deleted = sweep.deleted.values.reduce(0, +)
            if deleted > 0 {
                logger.info("retention sweep", metadata: sweep.deleted.mapValues { Logger.MetadataValue.string("\($0)") }
                    .reduce(into: [:]) { $0["retention.deleted.\($1.key)"] = $1.value })
            }
            return sweep
        } catch {
            logger.error("retention sweep failed", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
