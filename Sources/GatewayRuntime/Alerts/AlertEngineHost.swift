import AlertRules
import DeviceModel
import Foundation
import GRDB
import Synchronization

/// Owns the rule engine for the daemon and applies its decisions transactionally.
///
/// Every change runs through ``transact(_:_:)`` inside a `DatabasePool` write, so changes are serialized
/// by SQLite's single writer. The change works on a copy of the engine; the copy replaces the engine only
/// once the transaction has committed, so a failed write leaves the engine as the database has it.
public final class AlertEngineHost: Sendable {
    private let engine: Mutex<AlertEngine>
    let store = AlertStore()
    /// Rung after every commit that queued publications.
    let outboxBell = Doorbell()

    init(engine: AlertEngine) {
        self.engine = Mutex(engine)
    }

    /// Loads the persisted engine state (or starts fresh) for `configuration`.
    static func load(configuration: GatewayConfiguration, database: DatabasePool, now: Int64) throws -> AlertEngineHost {
        let state = try database.read { db in try AlertStore().loadState(now: now, in: db) }
        return AlertEngineHost(engine: AlertEngine(ruleBook: configuration.ruleBook, registry: configuration.registry,
                                                   state: state, silences: configuration.silences))
    }

    /// A copy of the engine as of now (for reads: open alerts, rules).
    public var snapshot: AlertEngine { engine.withLock { $0 } }

    /// Runs `change` in a transaction on `db` (from `DatabasePool.writeWithoutTransaction`), persists the
    /// transitions it returns and the engine's changed memory, and commits.
    func transact<T>(_ db: Database, _ change: (Database, inout AlertEngine) throws -> (T, [AlertTransition])) throws -> (T, [AlertTransition]) {
        var working = engine.withLock { $0 }
        var result: (T, [AlertTransition])?
        try db.inTransaction {
            let outcome = try change(db, &working)
            try store.apply(outcome.1, in: db)
            try store.persist(working.takeChangedKeys(), meta: working.state, in: db)
            result = outcome
            return .commit
        }
        engine.withLock { $0 = working }
        if let result, !result.1.isEmpty { outboxBell.ring() }
        return result!
    }
}

/// Wakes one waiting task; rings while nobody waits are remembered (once).
final class Doorbell: Sendable {
    private let state = Mutex<(rung: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.rung = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns at the next ring (at once if it rang since the last wait), or when the task is cancelled.
    func wait() async {
        await withTaskCancellationHandler {
            await park()
        } onCancel: {
            ring()
        }
    }

    private func park() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.rung {
                    state.rung = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}
