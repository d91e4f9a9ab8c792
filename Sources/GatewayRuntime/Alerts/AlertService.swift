import AlertRules
import DeviceModel
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Everything alerts need at run time, on an MQTT connection of its own (so alert PUBACKs never queue
/// behind a flood of telemetry):
/// - publishes alert transitions from the outbox to `alerts/{community}/{alertId}` (QoS 1, retained while open);
/// - takes operator commands on `alert-commands/{community}/{alertId}/ack|resolve` (``ConsoleCommandHandler``);
/// - ticks the rule engine every second (absence, follow-up deadlines, escalation, flapping holds).
public final class AlertService: Service, Sendable, CustomStringConvertible {
    public static let commandSubscription = "alert-commands/#"

    public let host: AlertEngineHost
    public let mqtt: MQTTService
    let publisher: OutboxPublisher
    let database: StoragePool
    let clock: @Sendable () -> Int64
    let logger: Logger
    let workOrders: WorkOrderDesk
    let commands: ConsoleCommandHandler
    let notifyWorkOrderSystem: Bool
    private let stopping = StopFlag()

    init(settings: GatewaySettings, gatewayID: String, host: AlertEngineHost, database: StoragePool,
         clock: @escaping @Sendable () -> Int64, logger: Logger, notifyWorkOrderSystem: Bool, metrics: GatewayMetrics) throws {
        self.host = host
        self.workOrders = WorkOrderDesk(database: database, host: host)
        self.commands = ConsoleCommandHandler(desk: AlertDesk(database: database, host: host), database: database, clock: clock,
                                              logger: logger, tokens: { host.configuration.apiTokens }, metrics: metrics)
        self.notifyWorkOrderSystem = notifyWorkOrderSystem
        self.database = database
        self.clock = clock
        self.logger = logger
        let publisher = OutboxPublisher(bell: host.outboxBell)
        self.publisher = publisher
        var options = MQTTOptions(broker: settings.broker, clientID: "\(settings.clientID ?? "gatewayd-\(gatewayID)")-alerts")
        options.username = settings.username
        options.password = settings.password
        options.caFile = settings.caFile
        options.certFile = settings.certFile
        options.keyFile = settings.keyFile
        options.subscriptions = [Self.commandSubscription]
        options.maxBatchMessages = 64
        let client = try MosquittoClient(options: options, onPublished: { mid in publisher.acknowledged(mid) })
        let stopping = self.stopping
        mqtt = MQTTService(client: client, logger: logger, beforeStop: { [database] in
            // Give in-flight alert publications up to 3 s to be acknowledged before disconnecting.
            let deadline = ContinuousClock.now.advanced(by: .seconds(3))
            while ContinuousClock.now < deadline, ((try? OutboxPublisher.pendingCount(database)) ?? 0) > 0 {
                publisher.bell.ring()
                try? await Task.sleep(for: .milliseconds(20))
            }
            stopping.set()
            publisher.bell.ring()
        })
    }

    public var description: String { "AlertService" }

    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.mqtt.run() }
            group.addTask { await self.commands.consume(self.mqtt.client.inbox) }
            group.addTask { await self.publishLoop() }
            group.addTask { await self.tickLoop() }
            try await group.waitForAll()
        }
    }

    /// One engine tick at the clock's `now`. The daemon calls it every second; tests call it directly.
    @discardableResult
    public func tick() async throws -> [AlertTransition] {
        let now = clock()
        let (_, transitions) = try await host.commit { _, engine in ((), engine.tick(now: now)) }
        AlertLog.log(transitions, logger: logger)
        let supervised = try await workOrders.superviseOverdue(now: now, notifyWorkOrderSystem: notifyWorkOrderSystem)
        for alertID in supervised {
            logger.warning("work order overdue; supervised (督办)", metadata: ["alert.id": "\(alertID)"])
        }
        if !supervised.isEmpty { host.deliveryBell.ring() }
        // A safety net: publications queued by any path go out within a second.
        host.outboxBell.ring()
        return transitions
    }

    private func tickLoop() async {
        var sincePrune = 0
        while !stopping.isSet, !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            do {
                try await tick()
                sincePrune += 1
                if sincePrune >= 300 {
                    sincePrune = 0
                    try await pruneOutbox()
                }
            } catch {
                logger.error("alert tick failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Published outbox rows are kept a day for inspection, then removed.
    public func pruneOutbox() async throws {
        let cutoff = clock() - 86_400_000
        try await StorageAccess.write(database) { db in try OutboxStore().prune(publishedBefore: cutoff, in: db) }
    }

    private func publishLoop() async {
        host.outboxBell.ring()
        while true {
            await host.outboxBell.wait()
            if stopping.isSet || Task.isCancelled { return }
            do {
                try await publisher.step(client: mqtt.client, connected: mqtt.isConnected, database: database, now: clock())
            } catch {
                logger.error("publishing alerts failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(500))
                host.outboxBell.ring()
            }
        }
    }
}
