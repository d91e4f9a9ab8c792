import AlertRules
import DeviceModel
import Foundation
import Logging
import Hummingbird
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The composition root: opens the database, builds the MQTT client and the services, and runs them in
/// one `ServiceGroup`. Services start in array order and stop in reverse, so on SIGTERM the device MQTT
/// client disconnects first, ingest then drains everything already received into SQLite, and the alert
/// service last flushes the resulting publications and stops.
public final class Gateway: Sendable {
    public let configuration: GatewayConfiguration
    /// The live registry: devices.yaml plus run-time registrations and commissioning.
    public var registry: DeviceRegistry { alerts.host.registry }
    public let database: StoragePool
    public let counters = IngestCounters()
    public let metrics = GatewayMetrics()
    /// Whether ingest's last write was refused, and why (for `/readyz`).
    public let storageHealth = StorageHealth()
    public let mqtt: MQTTService
    public let alerts: AlertService
    public let delivery: DeliveryService?
    /// Deletes records past `settings.retention`.
    let retention: RetentionService
    /// The port the HTTP API listens on, once it does (`--http` with port 0 picks a free one).
    public var httpPort: Int? { let port = boundPort.value.load(ordering: .acquiring); return port == 0 ? nil : port }
    private let boundPort: BoundPort
    private let group: ServiceGroup
    private let logger: Logger

    public init(
        settings: GatewaySettings, configuration: GatewayConfiguration, logger: Logger,
        clock: @escaping @Sendable () -> Int64 = Gateway.wallClockMillis,
        handleSignals: Bool = true
    ) throws {
        self.configuration = configuration
        let registry = configuration.registry
        self.logger = logger
        database = try GatewayDatabase.open(path: settings.databasePath)
        let targets = [settings.workOrderTarget, settings.messageTarget].compactMap { $0 }
        let host = try AlertEngineHost.load(configuration: configuration, database: database, now: clock(),
                                            deliveryTargets: Set(targets.map(\.kind)))
        alerts = try AlertService(settings: settings, gatewayID: registry.gatewayID, host: host, database: database,
                                  clock: clock, logger: logger, notifyWorkOrderSystem: settings.workOrderTarget != nil,
                                  metrics: metrics)
        delivery = targets.isEmpty ? nil
            : DeliveryService(targets: targets, database: database, bell: host.deliveryBell, clock: clock, logger: logger,
                              retryHorizonSeconds: configuration.forwarding.retryHorizonSeconds)
        let retention = RetentionService(store: RetentionStore(database: database), policy: configuration.retention, clock: clock,
                                         logger: logger)
        self.retention = retention
        let inbox = CommitHandoff()
        let clockWatch = ClockWatch()
        var options = MQTTOptions(broker: settings.broker, clientID: settings.clientID ?? "gatewayd-\(registry.gatewayID)")
        options.username = settings.username
        options.password = settings.password
        options.caFile = settings.caFile
        options.subscriptions = MessageIngest.subscriptions
        options.presenceTopic = "gateway/\(registry.gatewayID)/status"
        options.maxBatchMessages = settings.batchSize
        options.batchLingerMilliseconds = settings.batchLingerMilliseconds
        options.maxPayloadBytes = settings.policy.maxPayloadBytes
        let client = try MosquittoClient(options: options, inbox: inbox)
        mqtt = MQTTService(client: client, logger: logger)
        let ingest = IngestService(
            inbox: inbox, database: database,
            ingest: MessageIngest(policy: settings.policy), counters: counters, metrics: metrics, health: storageHealth,
            clockWatch: clockWatch, alerts: host, clock: clock,
            batchSize: settings.batchSize, logger: logger,
            publishReply: { [client, logger] reply in
                // Replies are QoS 0, as the platforms send them: the device re-posts if it needs to.
                do { _ = try client.publish(topic: reply.topic, payload: reply.payload, qos: 0) } catch {
                    logger.debug("device reply not sent", metadata: ["mqtt.topic": "\(reply.topic.prefix(200))", "error": "\(error)"])
                }
            }
        )
        let snapshots = SnapshotStore(
            directory: URL(fileURLWithPath: settings.snapshotDirectory ?? settings.databasePath + ".snapshots", isDirectory: true),
            retentionSeconds: settings.snapshotRetentionSeconds, database: database
        )
        boundPort = BoundPort()
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let delivery { services.append(.init(service: delivery)) }
        services += [.init(service: alerts), .init(service: ingest), .init(service: mqtt), .init(service: retention),
                     .init(service: SnapshotRetentionService(store: snapshots, clock: clock, logger: logger))]
        if let http = settings.http {
            let (deviceMQTT, alertMQTT) = (mqtt, alerts.mqtt)
            var api = GatewayAPI(
                auth: BearerAuth(tokens: configuration.apiTokens), queries: RecordQueries(database: database), workOrders: alerts.workOrders,
                devices: DeviceDesk(database: database, host: host), alerts: alerts.commands.desk,
                replies: InboundReplyDesk(database: database, alerts: alerts.commands.desk), host: host, metrics: metrics,
                connections: { ["devices": deviceMQTT.isConnected, "alerts": alertMQTT.isConnected] },
                inboxStalls: { deviceMQTT.client.inbox.stalls },
                isBrokerConnected: { deviceMQTT.isConnected },
                areSubscriptionsGranted: { deviceMQTT.subscriptionsGranted && alertMQTT.subscriptionsGranted },
                storageHealth: storageHealth, clockSuspicion: { clockWatch.suspicion },
                lastRetentionSweep: { retention.last.withLock { $0?.at } }, clock: clock, maxBodyBytes: http.maxBodyBytes, logger: logger
            )
            api.push = EventPushIntake(submit: { message in await ingest.submit(message) }, snapshots: snapshots,
                                       maxPushBytes: http.maxPushBytes, maxImageBytes: http.maxImageBytes)
            let boundPort = self.boundPort
            let application = Application(
                router: api.router(),
                configuration: .init(address: .hostname(http.host, port: http.port), serverName: "gatewayd"),
                onServerRunning: { channel in boundPort.value.store(channel.localAddress?.port ?? 0, ordering: .releasing) },
                logger: logger
            )
            services.append(.init(service: application))
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(30)
        group = ServiceGroup(configuration: groupConfiguration)

    }

    /// Runs until SIGTERM/SIGINT (or ``shutdown()``), then drains and returns.
    public func run() async throws {
        // Start-up (reading and validating the registry, loading the engine) is over: hand its garbage back.
        MemoryRelease.returnFreedMemory()
        logger.info("gateway starting", metadata: [
            "gateway.id": "\(registry.gatewayID)", "registry.devices": "\(registry.devices.count)",
        ])
        try await group.run()
        let counts = counters.snapshot
        logger.info("gateway stopped", metadata: [
            "ingest.received": "\(counts.received)", "ingest.stored": "\(counts.stored)",
            "ingest.duplicates": "\(counts.duplicates)", "ingest.rejected": "\(counts.rejectedTotal)",
        ])
    }

    /// Starts a graceful shutdown: disconnect, drain, return from ``run()``.
    public func shutdown() async {
        await group.triggerGracefulShutdown()
    }

    public static let wallClockMillis: @Sendable () -> Int64 = {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}

/// The HTTP port once bound, shared with the server's start-up callback.
final class BoundPort: Sendable {
    let value = Atomic<Int>(0)
}
