import AlertRules
import DeviceModel
import Foundation
import Logging
import Hummingbird
import HummingbirdTLS
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The composition root: opens the database, builds the MQTT client and the services, and runs them in
/// one `ServiceGroup`. Services start in array order and stop in reverse, so on SIGTERM the device MQTT
/// client disconnects first, ingest then drains everything already received into SQLite, and the alert
/// service last flushes the resulting publications and stops.
public final class Gateway: Sendable {
    /// The configuration in force (as started, or as last reloaded).
    public var configuration: GatewayConfiguration { alerts.host.configuration }
    /// The gateway id (fixed for the process: a reload may not change it).
    private let gatewayID: String
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
    private let settings: GatewaySettings
    private let clock: @Sendable () -> Int64
    private let handleSignals: Bool
    /// Lets the HTTP API (built before the gateway exists) reach ``reload(actor:)``.
    private let reloadHook = ReloadHook()

    public init(
        settings: GatewaySettings, configuration: GatewayConfiguration, logger: Logger,
        clock: @escaping @Sendable () -> Int64 = Gateway.wallClockMillis,
        handleSignals: Bool = true
    ) throws {
        gatewayID = configuration.registry.gatewayID
        self.settings = settings
        self.clock = clock
        self.handleSignals = handleSignals
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
                              retryHorizonSeconds: { host.configuration.forwarding.retryHorizonSeconds })
        let retention = RetentionService(store: RetentionStore(database: database), policy: { host.configuration.retention }, clock: clock,
                                         logger: logger)
        self.retention = retention
        let inbox = CommitHandoff()
        let clockWatch = ClockWatch()
        var options = MQTTOptions(broker: settings.broker, clientID: settings.clientID ?? "gatewayd-\(registry.gatewayID)")
        options.username = settings.username
        options.password = settings.password
        options.caFile = settings.caFile
        options.certFile = settings.certFile
        options.keyFile = settings.keyFile
        options.subscriptions = MessageIngest.subscriptions
        options.presenceTopic = "gateway/\(registry.gatewayID)/status"
        options.maxBatchMessages = settings.batchSize
        options.batchLingerMilliseconds = settings.batchLingerMilliseconds
        options.batchLingerMaxMilliseconds = settings.batchLingerMaxMilliseconds
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
        // The network thread commits each batch itself, then acknowledges it: no hand-off a batch.
        inbox.commitOnNetworkThread { batch, isStopping in ingest.commitOnNetworkThread(batch, isStopping: isStopping) }
        let snapshots = SnapshotStore(
            directory: URL(fileURLWithPath: settings.snapshotDirectory ?? settings.databasePath + ".snapshots", isDirectory: true),
            retentionSeconds: settings.snapshotRetentionSeconds, database: database
        )
        boundPort = BoundPort()
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let delivery { services.append(.init(service: delivery)) }
        services += [.init(service: alerts), .init(service: ingest), .init(service: mqtt), .init(service: retention),
                     .init(service: WALCheckpointService(path: settings.databasePath, logger: logger)),
                     .init(service: SnapshotRetentionService(store: snapshots, clock: clock, logger: logger))]
        if let http = settings.http {
            let (deviceMQTT, alertMQTT) = (mqtt, alerts.mqtt)
            var api = GatewayAPI(
                auth: BearerAuth(current: { host.configuration.apiTokens }, sessions: ConsoleSessionStore(database: database), clock: clock),
                queries: RecordQueries(database: database), workOrders: alerts.workOrders,
                devices: DeviceDesk(database: database, host: host), alerts: alerts.commands.desk,
                replies: InboundReplyDesk(database: database, alerts: alerts.commands.desk), host: host, metrics: metrics,
                connections: { ["devices": deviceMQTT.isConnected, "alerts": alertMQTT.isConnected] },
                inboxStalls: { deviceMQTT.client.inbox.stalls },
                isBrokerConnected: { deviceMQTT.isConnected },
                areSubscriptionsGranted: { deviceMQTT.subscriptionsGranted && alertMQTT.subscriptionsGranted },
                storageHealth: storageHealth, clockSuspicion: { clockWatch.suspicion },
                lastRetentionSweep: { retention.last.withLock { $0?.at } }, reload: reloadHook, clock: clock, maxBodyBytes: http.maxBodyBytes, logger: logger
            )
            api.maxImportBytes = http.maxImportBytes
            api.authFailures = http.authFailuresPerMinute > 0 ? AuthFailureLimiter(limit: http.authFailuresPerMinute) : nil
            api.snapshots = snapshots
            api.secureCookies = http.tlsCertificateFile != nil
            api.push = EventPushIntake(submit: { message in await ingest.submit(message) }, snapshots: snapshots,
                                       maxPushBytes: http.maxPushBytes, maxImageBytes: http.maxImageBytes)
            let boundPort = self.boundPort
            let onRunning: @Sendable (any NIOCore.Channel) async -> Void = { channel in
                boundPort.value.store(channel.localAddress?.port ?? 0, ordering: .releasing)
            }
            let serverConfiguration = ApplicationConfiguration(address: .hostname(http.host, port: http.port), serverName: "gatewayd")
            if let certificate = http.tlsCertificateFile, let key = http.tlsKeyFile {
                let tls = try Self.serverTLS(certificate: certificate, key: key)
                services.append(.init(service: Application(router: api.router(), server: try .tls(.http1(), tlsConfiguration: tls),
                                                           configuration: serverConfiguration, onServerRunning: onRunning, logger: logger)))
            } else {
                services.append(.init(service: Application(router: api.router(), configuration: serverConfiguration,
                                                           onServerRunning: onRunning, logger: logger)))
            }
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(30)
        group = ServiceGroup(configuration: groupConfiguration)
        reloadHook.set { [weak self] actor in
            guard let self else { return .refused([]) }
            return await self.reload(actor: actor)
        }

    }

    /// TLS for the HTTP API from PEM files; a clear error when they cannot be read.
    static func serverTLS(certificate: String, key: String) throws(SettingError) -> TLSConfiguration {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            let privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
            var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(privateKey))
            configuration.minimumTLSVersion = .tlsv12
            return configuration
        } catch {
            throw SettingError("--http-tls-cert/--http-tls-key: cannot load \(certificate) / \(key): \(error)")
        }
    }

    public enum ReloadOutcome: Sendable {
        /// Swapped in; a summary for the log and the API.
        case reloaded(String)
        /// Not valid: the gateway keeps running on the configuration it had.
        case refused([ValidationIssue])
    }

    /// Re-reads devices.yaml and swaps it in when it is valid (``AlertEngineHost/reload(_:actor:now:)``);
    /// otherwise logs every problem and keeps the configuration in force.
    public func reload(actor: String) async -> ReloadOutcome {
        guard let path = settings.configPath else {
            return .refused([ValidationIssue(location: nil, path: "", message: "this gateway was not started from a file")])
        }
        let fresh: GatewayConfiguration
        do {
            fresh = try RegistryLoader.loadConfiguration(path: path)
        } catch {
            logger.error("reload refused: \(path) has \(error.issues.count) error(s); the configuration in force is kept",
                         metadata: ["reload.actor": "\(actor)"])
            for issue in error.issues { logger.error("\(issue.description)") }
            return .refused(error.issues)
        }
        guard fresh.registry.gatewayID == gatewayID else {
            let issue = ValidationIssue(location: nil, path: "gateway.id", message: "the gateway id cannot change on a reload: restart instead")
            logger.error("reload refused: \(issue.message)")
            return .refused([issue])
        }
        do {
            try await alerts.host.reload(fresh, actor: actor, now: clock())
        } catch {
            logger.error("reload failed; the configuration in force is kept", metadata: ["error": "\(error)"])
            return .refused([ValidationIssue(location: nil, path: "", message: "could not apply: \(error)")])
        }
        // The old configuration and engine index are garbage now: hand the memory back (glibc keeps it otherwise).
        MemoryRelease.returnFreedMemory()
        let summary = "\(fresh.registry.devices.count) devices, \(fresh.ruleBook.rules.count) rules, \(fresh.apiTokens.count) tokens"
        logger.notice("configuration reloaded", metadata: ["reload.actor": "\(actor)", "reload.summary": "\(summary)"])
        return .reloaded(summary)
    }

    /// Runs until SIGTERM/SIGINT (or ``shutdown()``), then drains and returns. SIGHUP reloads devices.yaml.
    public func run() async throws {
        // Start-up (reading and validating the registry, loading the engine) is over: hand its garbage back.
        MemoryRelease.returnFreedMemory()
        logger.info("gateway starting", metadata: [
            "gateway.id": "\(registry.gatewayID)", "registry.devices": "\(registry.devices.count)",
        ])
        let hangups = handleSignals ? Task { [weak self] in
            for await _ in await UnixSignalsSequence(trapping: .sighup) {
                guard let self else { return }
                _ = await self.reload(actor: "sighup")
            }
        } : nil
        defer { hangups?.cancel() }
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

/// ``Gateway/reload(actor:)`` for the HTTP API, set once the gateway exists.
final class ReloadHook: Sendable {
    private let action = Mutex<(@Sendable (String) async -> Gateway.ReloadOutcome)?>(nil)

    func set(_ body: @escaping @Sendable (String) async -> Gateway.ReloadOutcome) { action.withLock { $0 = body } }

    func callAsFunction(actor: String) async -> Gateway.ReloadOutcome {
        guard let body = action.withLock({ $0 }) else { return .refused([]) }
        return await body(actor)
    }
}

/// The HTTP port once bound, shared with the server's start-up callback.
final class BoundPort: Sendable {
    let value = Atomic<Int>(0)
}
