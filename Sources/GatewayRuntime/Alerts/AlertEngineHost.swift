import AlertRules
import DeviceModel
import Foundation
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
    /// Rung after every commit that queued HTTP deliveries.
    let deliveryBell = Doorbell()
    /// Moved on after every commit that changed alerts: wakes the consoles' alert streams.
    let alertChanges = ChangeSignal()
    /// The configuration in force and the delivery planner made from it: swapped together by ``reload``.
    private let live: Mutex<(configuration: GatewayConfiguration, planner: DeliveryPlanner)>
    var planner: DeliveryPlanner { live.withLock { $0.planner } }
    /// Deliveries are planned only for targets that are configured (a URL was given).
    let deliveryTargets: Set<PlannedDelivery.Target>
    private let deliveryStore = DeliveryStore()

    private let registryBox: Mutex<DeviceRegistry>
    /// The configuration in force (devices.yaml as last loaded or reloaded).
    var configuration: GatewayConfiguration { live.withLock { $0.configuration } }
    /// Silences from devices.yaml; run-time ones (maintenance) are added to them.
    var configuredSilences: [Silence] { configuration.silences }

    /// The database every change of state is committed to (``commit(_:)``).
    let database: StoragePool

    init(engine: AlertEngine, planner: DeliveryPlanner, deliveryTargets: Set<PlannedDelivery.Target>, configuration: GatewayConfiguration,
         database: StoragePool) {
        self.database = database
        self.engine = Mutex(engine)
        self.registryBox = Mutex(engine.registry)
        self.live = Mutex((configuration, planner))
        self.deliveryTargets = deliveryTargets
    }

    /// Loads the persisted engine state (or starts fresh) for `configuration`.
    static func load(configuration: GatewayConfiguration, database: StoragePool, now: Int64,
                     deliveryTargets: Set<PlannedDelivery.Target>) throws -> AlertEngineHost {
        let (state, registry, silences) = try StorageAccess.readNow(database) { db in
            (try AlertStore().loadState(now: now, in: db),
             try OperationsStore().mergedRegistry(configuration.registry, in: db),
             try OperationsStore().silences(now: now, in: db))
        }
        var engine = AlertEngine(ruleBook: configuration.ruleBook, registry: registry, state: state,
                                 silences: configuration.silences + silences)
        engine.absenceScanIntervalMillis = absenceScanIntervalMillis
        return AlertEngineHost(
            engine: engine,
            planner: DeliveryPlanner(policy: configuration.forwarding, calendar: configuration.ruleBook.calendar,
                                     roster: configuration.dutyRoster),
            deliveryTargets: deliveryTargets, configuration: configuration, database: database
        )
    }

    /// A copy of the engine as of now, for tests and diagnostics. (A copy makes the next change copy the
    /// engine's state once: read single values with ``silences`` and ``registry`` instead.)
    public var snapshot: AlertEngine { engine.withLock { $0 } }

    /// The silences in force (configured and maintenance windows).
    public var silences: [Silence] { engine.withLock { $0.silences } }

    /// The registry as of now: devices.yaml plus run-time registrations and commissioning.
    public var registry: DeviceRegistry { registryBox.withLock { $0 } }

    /// The one commit path for every change of state (an ingest batch, a tick, a console or API command, a
    /// work-order status): `change` decides with the engine and writes in one transaction; the transitions it
    /// returns are persisted with their publications and deliveries, and the doorbells rung after the commit.
    func commit<T: Sendable>(
        _ change: @escaping @Sendable (StorageConnection, inout AlertEngine) throws -> (T, [AlertTransition])
    ) async throws -> (T, [AlertTransition]) {
        try await StorageAccess.writer(database) { db in try self.transact(db, change) }
    }

    /// ``commit(_:)`` from synchronous code, on the calling thread (the MQTT network thread's ingest).
    func commitNow<T: Sendable>(
        _ change: (StorageConnection, inout AlertEngine) throws -> (T, [AlertTransition])
    ) throws -> (T, [AlertTransition]) {
        try StorageAccess.writerNow(database) { db in try self.transact(db, change) }
    }

    /// Runs `change` in a transaction on `db` (from `DatabasePool.writeWithoutTransaction`), persists the
    /// transitions it returns, the deliveries they cause (outbox) and the engine's changed memory, and commits.
    func transact<T: Sendable>(_ db: StorageConnection, _ change: (StorageConnection, inout AlertEngine) throws -> (T, [AlertTransition])) throws -> (T, [AlertTransition]) {
        // The engine is changed in place (a copy per transaction would copy all its state with 100,000
        // devices). Writes are serialized by the database, so nothing else changes it meanwhile; if the
        // transaction does not commit, the engine is rebuilt from what the database has.
        let (result, queuedDeliveries, registry) = try engine.withLock { engine -> ((T, [AlertTransition]), Bool, DeviceRegistry?) in
            let planner = self.planner
            let revision = engine.registryRevision
            var result: (T, [AlertTransition])?
            var queuedDeliveries = false
            do {
                try StorageAccess.transaction(db) {
                    var outcome = try change(db, &engine)
                    // Plan first: who is told is recorded on the alert before it is stored and published.
                    var notifiedSoFar: [String: [DutyNotice]] = [:]
                    var planned: [(PlannedDelivery, Int64)] = []
                    var audited: [([DutyNotice], Alert)] = []
                    for index in outcome.1.indices {
                        let transition = outcome.1[index]
                        let deliveries = planner.plan(transition, registry: engine.registry).filter { deliveryTargets.contains($0.target) }
                        planned += deliveries.map { ($0, transition.at) }
                        let notices = deliveries.flatMap(\.notices)
                        let id = transition.alert.id
                        let all = Alert.latestNotices((notifiedSoFar[id] ?? transition.alert.notified ?? []) + notices)
                        if !all.isEmpty { outcome.1[index].alert.notified = all }
                        notifiedSoFar[id] = all
                        guard !notices.isEmpty else { continue }
                        engine.recordNotified(notices, alertID: id)
                        audited.append((notices, outcome.1[index].alert))
                    }
                    try store.apply(outcome.1, in: db)
                    for (notices, alert) in audited { try store.recordNotices(notices, of: alert, in: db) }
                    for (delivery, at) in planned {
                        try deliveryStore.enqueue([delivery], policy: planner.policy, now: at, in: db)
                        queuedDeliveries = true
                    }
                    try store.persist(engine.takeChangedKeys(), meta: engine.state, in: db)
                    result = outcome
                }
            } catch {
                engine = try rebuild(db, now: engine.state.startedAt)
                throw error
            }
            return (result!, queuedDeliveries, engine.registryRevision != revision ? engine.registry : nil)
        }
        if let registry { registryBox.withLock { $0 = registry } }
        if !result.1.isEmpty {
            outboxBell.ring()
            alertChanges.advance()
        }
        if queuedDeliveries { deliveryBell.ring() }
        return result
    }

    /// Swaps in a validated configuration in one step: devices, residents, contacts, rules, forwarding, tokens
    /// and the duty roster. Open alerts and the memory of rules that still exist are kept (``AlertEngine/
    /// reconfigure(ruleBook:registry:silences:)``); run-time registrations and maintenance windows stay on top.
    /// Audited as `config.reload` by `actor`.
    func reload(_ configuration: GatewayConfiguration, actor: String, now: Int64) async throws {
        try await StorageAccess.writer(database) { db in
            try self.engine.withLock { engine in
                let operations = OperationsStore()
                let registry = try operations.mergedRegistry(configuration.registry, in: db)
                let silences = configuration.silences + (try operations.silences(now: now, in: db))
                let detail = "\(configuration.registry.devices.count) devices, \(configuration.ruleBook.rules.count) rules, "
                    + "\(configuration.apiTokens.count) tokens"
                // Changed in place, as ``transact(_:_:)`` does (a copy would duplicate all its state with 100,000
                // devices); if the transaction does not commit, the engine is rebuilt from what the database has,
                // under the configuration still in force.
                do {
                    engine.reconfigure(ruleBook: configuration.ruleBook, registry: registry, silences: silences)
                    try StorageAccess.transaction(db) {
                        try self.store.persist(engine.takeChangedKeys(), meta: engine.state, in: db)
                        try operations.audit(actor: actor, action: "config.reload", target: "devices.yaml", detail: detail, now: now, in: db)
                    }
                } catch {
                    engine = try self.rebuild(db, now: engine.state.startedAt)
                    throw error
                }
                self.registryBox.withLock { $0 = registry }
                self.live.withLock {
                    $0 = (configuration, DeliveryPlanner(policy: configuration.forwarding, calendar: configuration.ruleBook.calendar,
                                                         roster: configuration.dutyRoster))
                }
            }
        }
    }

    /// The engine as the database has it (after a transaction that did not commit).
    private func rebuild(_ db: StorageConnection, now: Int64) throws -> AlertEngine {
        let operations = OperationsStore()
        var engine = AlertEngine(
            ruleBook: configuration.ruleBook, registry: try operations.mergedRegistry(configuration.registry, in: db),
            state: try store.loadState(now: now, in: db),
            silences: configuration.silences + (try operations.silences(now: now, in: db))
        )
        engine.absenceScanIntervalMillis = Self.absenceScanIntervalMillis
        return engine
    }

    static let absenceScanIntervalMillis: Int64 = 5000
}
