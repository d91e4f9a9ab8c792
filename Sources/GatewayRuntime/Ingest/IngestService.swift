import AlertRules
import DeviceModel
import Foundation
import GRDB
import Logging
import ServiceLifecycle

/// Drains the inbox in batches: decides each message with the pure ``MessageIngest`` and writes the whole
/// batch (events, dead letters, device state) in one transaction.
///
/// It does not stop on graceful shutdown by itself: it runs until the MQTT service has stopped and
/// finished the inbox, so every message already acknowledged to the broker is committed first.
/// A failing write is retried with backoff, never skipped: the batch is already acknowledged upstream.
public struct IngestService: Service, CustomStringConvertible {
    let inbox: BoundedInbox<InboundMessage>
    let database: DatabasePool
    let ingest: MessageIngest
    let store: IngestStore
    let counters: IngestCounters
    let metrics: GatewayMetrics
    let alerts: AlertEngineHost
    let clock: @Sendable () -> Int64
    let batchSize: Int
    let logger: Logger
    /// Sends a protocol reply (Alink, OneNET) to the device, after the message it answers is committed.
    let publishReply: @Sendable (DeviceReply) -> Void

    public init(
        inbox: BoundedInbox<InboundMessage>, database: DatabasePool, ingest: MessageIngest,
        counters: IngestCounters, metrics: GatewayMetrics, alerts: AlertEngineHost, clock: @escaping @Sendable () -> Int64, batchSize: Int = 512,
        logger: Logger, publishReply: @escaping @Sendable (DeviceReply) -> Void = { _ in }
    ) {
        self.publishReply = publishReply
        self.alerts = alerts
        self.metrics = metrics
        self.inbox = inbox
        self.database = database
        self.ingest = ingest
        self.store = IngestStore()
        self.counters = counters
        self.clock = clock
        self.batchSize = batchSize
        self.logger = logger
    }

    public func run() async throws {
        while let batch = await inbox.takeBatch(max: batchSize) {
            await process(batch)
        }
        logger.info("ingest drained", metadata: ["ingest.stored": "\(counters.snapshot.stored)"])
        // The inbox ends when the MQTT service stops, just before the group tells us to stop: returning
        // before that would count as an unexpected exit.
        try? await gracefulShutdown()
    }

    /// Never the registry: service descriptions end up in errors and logs.
    public var description: String { "IngestService" }

    /// Ingests one HTTP push like an MQTT message, returning once it is committed: the pusher gets its
    /// answer (stored, a duplicate, or rejected and dead-lettered) only when the answer is durable.
    public func submit(_ message: InboundMessage) async -> IngestReceipt {
        await process([message])[0]
    }

    @discardableResult
    func process(_ batch: [InboundMessage]) async -> [IngestReceipt] {
        let now = clock()
        let registry = alerts.registry
        var replies: [DeviceReply] = []
        let decided = batch.map { message in
            let raw = RawMessage(topic: message.topic, payload: message.payload, receivedAt: now, media: message.media)
            let outcome = message.preRejected.map { IngestOutcome.rejected($0) } ?? ingest.process(raw, registry: registry, now: now)
            if let reply = ingest.reply(to: raw, outcome: outcome) { replies.append(reply) }
            return (message, outcome)
        }
        var attempt = 0
        while true {
            do {
                let ((receipts, ruleTime), transitions) = try await write(decided, receivedAt: now)
                AlertLog.log(transitions, logger: logger)
                let rejected = decided.compactMap { _, outcome in
                    if case let .rejected(rejection) = outcome { rejection.reason } else { nil }
                }
                let stored = receipts.reduce(0) { $0 + $1.stored }, duplicates = receipts.reduce(0) { $0 + $1.duplicates }
                counters.record(received: batch.count, stored: stored, duplicates: duplicates, rejected: rejected)
                metrics.recordIngest(received: batch.count, stored: stored, duplicates: duplicates, rejected: rejected, ruleTime: ruleTime)
                countUnknownCodes(decided)
                // Replies promise the device its message is kept: sent only now that it is committed.
                replies.forEach(publishReply)
                log(decided)
                return receipts
            } catch {
                attempt += 1
                logger.error("storing a batch failed; retrying", metadata: [
                    "ingest.batch": "\(batch.count)", "ingest.attempt": "\(attempt)", "error": "\(error)",
                ])
                try? await Task.sleep(for: .milliseconds(min(5000, 100 * attempt * attempt)))
            }
        }
    }

    /// One transaction: events (new ones are evaluated by the rule engine; redeliveries are not),
    /// dead letters, device state, alert transitions and their publications.
    private func write(_ decided: [(InboundMessage, IngestOutcome)], receivedAt: Int64) async throws -> (([IngestReceipt], Duration), [AlertTransition]) {
        try await database.writeWithoutTransaction { [store, alerts] db in
            try alerts.transact(db) { db, engine in
                var receipts: [IngestReceipt] = []
                var transitions: [AlertTransition] = []
                var ruleTime = Duration.zero
                let clock = ContinuousClock()
                for (message, outcome) in decided {
                    var receipt = IngestReceipt()
                    switch outcome {
                    case let .accepted(messages):
                        for deviceMessage in messages {
                            if try store.insert(deviceMessage, receivedAt: receivedAt, in: db) {
                                receipt.stored += 1
                                try commissionIfNew(deviceMessage.deviceID, engine: &engine, now: receivedAt, in: db)
                                let started = clock.now
                                transitions += engine.receive(deviceMessage, now: receivedAt)
                                ruleTime += clock.now - started
                            } else {
                                receipt.duplicates += 1
                            }
                        }
                    case let .rejected(rejection):
                        receipt.rejection = rejection
                        try store.insertDeadLetter(topic: message.topic, payload: message.payload, rejection: rejection,
                                                   receivedAt: receivedAt, in: db)
                    }
                    receipts.append(receipt)
                }
                return ((receipts, ruleTime), transitions)
            }
        }
    }

    private func countUnknownCodes(_ decided: [(InboundMessage, IngestOutcome)]) {
        for case let (_, .accepted(messages)) in decided {
            for message in messages where message.eventName == DeviceMessage.unknownVendorEvent {
                metrics.recordUnknownVendorCode(format: message.format)
            }
        }
    }

    /// The gateway's answer about one message, once committed.
    public struct IngestReceipt: Sendable {
        public var stored = 0
        public var duplicates = 0
        public var rejection: Rejection?
    }

    /// A registered device's first valid message commissions it (registered → commissioned), recorded in
    /// the registry and the audit log in the same transaction.
    private func commissionIfNew(_ deviceID: String, engine: inout AlertEngine, now: Int64, in db: Database) throws {
        guard var device = engine.registry.device(deviceID), device.state == .registered else { return }
        device.state = .commissioned
        _ = engine.upsert(device: device, now: now)
        let operations = OperationsStore()
        try operations.saveDevice(device, by: "system", now: now, in: db)
        try operations.audit(actor: "system", action: "device.commissioned", target: deviceID, detail: "first valid message", now: now, in: db)
        logger.info("device commissioned", metadata: ["device.id": "\(deviceID)"])
    }

    /// One debug line per message; rejections at notice. Topic and device id only: never payload values.
    private func log(_ decided: [(InboundMessage, IngestOutcome)]) {
        for (message, outcome) in decided {
            switch outcome {
            case let .accepted(messages):
                for deviceMessage in messages {
                    logger.debug("message stored", metadata: [
                        "device.id": "\(deviceMessage.deviceID)", "message.channel": "\(deviceMessage.channel.rawValue)",
                    ])
                }
            case let .rejected(rejection):
                logger.notice("message rejected", metadata: [
                    "mqtt.topic": "\(message.topic.prefix(200))", "reject.reason": "\(rejection.reason.rawValue)",
                    "device.id": "\(rejection.deviceID ?? "-")",
                ])
            }
        }
    }
}
