import AlertRules
import DeviceModel
import Foundation
import Logging
import ServiceLifecycle

/// Commits what the broker delivers, batch by batch: decides each message with the pure ``MessageIngest``
/// and writes the whole batch (events, dead letters, device state) in one transaction — on the MQTT network
/// thread itself (``commitOnNetworkThread(_:isStopping:)``, installed as the ``CommitHandoff``'s committer),
/// which only then acknowledges the batch to the broker. HTTP pushes come through ``submit(_:)``.
///
/// It does not stop on graceful shutdown by itself: it runs until the MQTT service has stopped, so every
/// batch read is committed and acknowledged first. A failing write (disk full, database locked, I/O error)
/// is retried with backoff while the batch stays unacknowledged — the broker keeps it, `/readyz` says why,
/// `gatewayd_ingest_write_failures_total` counts it — and ingest resumes by itself when the database is
/// writable again. A batch whose retries are cut short (cancellation at shutdown) is abandoned, never
/// acknowledged: the broker redelivers it to the next run.
public struct IngestService: Service, CustomStringConvertible {
    let inbox: CommitHandoff
    let database: StoragePool
    let ingest: MessageIngest
    let store: IngestStore
    /// Skips a routine message's `device_state` write while its device's row is recent (see the type).
    let deviceStates = DeviceStateThrottle()
    let counters: IngestCounters
    let metrics: GatewayMetrics
    /// Whether the last write failed, and why (for `/readyz`).
    let health: StorageHealth
    /// Device clocks as seen on arrival (skew events, the gateway clock suspicion for `/readyz`).
    let clockWatch: ClockWatch
    let alerts: AlertEngineHost
    let clock: @Sendable () -> Int64
    let batchSize: Int
    let logger: Logger
    /// Sends a protocol reply (Alink, OneNET) to the device, after the message it answers is committed.
    let publishReply: @Sendable (DeviceReply) -> Void

    public init(
        inbox: CommitHandoff, database: StoragePool, ingest: MessageIngest,
        counters: IngestCounters, metrics: GatewayMetrics, health: StorageHealth, clockWatch: ClockWatch, alerts: AlertEngineHost, clock: @escaping @Sendable () -> Int64, batchSize: Int = 512,
        logger: Logger, publishReply: @escaping @Sendable (DeviceReply) -> Void = { _ in }
    ) {
        self.publishReply = publishReply
        self.alerts = alerts
        self.metrics = metrics
        self.health = health
        self.clockWatch = clockWatch
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
        while let batch = await inbox.nextBatch() {
            guard await process(batch, deadline: nil) != nil else {
                inbox.abandon()
                logger.warning("a batch could not be committed before shutdown; left unacknowledged for redelivery",
                               metadata: ["ingest.batch": "\(batch.count)"])
                break
            }
            inbox.complete()
        }
        logger.info("ingest drained", metadata: ["ingest.stored": "\(counters.snapshot.stored)"])
        // The inbox ends when the MQTT service stops, just before the group tells us to stop: returning
        // before that would count as an unexpected exit.
        try? await gracefulShutdown()
    }

    /// Never the registry: service descriptions end up in errors and logs.
    public var description: String { "IngestService" }

    /// How long an HTTP push waits for a database that refuses writes before it is answered 503.
    public static let pushCommitDeadline: Duration = .seconds(3)

    /// Ingests one HTTP push like an MQTT message, returning once it is committed: the pusher gets its
    /// answer (stored, a duplicate, or rejected and dead-lettered) only when the answer is durable — or
    /// `nil` when the database could not be written within ``pushCommitDeadline`` (the route answers 503
    /// with `Retry-After`; nothing was stored).
    public func submit(_ message: InboundMessage) async -> IngestReceipt? {
        await process([message], deadline: Self.pushCommitDeadline)?[0]
    }

    /// Decides and commits `batch`; `nil` when it was not committed (deadline passed, batch abandoned or
    /// the task cancelled while the database refused writes).
    @discardableResult
    func process(_ batch: [InboundMessage], deadline: Duration?) async -> [IngestReceipt]? {
        let decision = decide(batch)
        var attempt = 0
        let started = ContinuousClock.now
        while true {
            do {
                let written = try await alerts.commit(writing(decision.decided, receivedAt: decision.now))
                return committed(decision, written, attempts: attempt)
            } catch {
                attempt += 1
                let backoff = failed(batch, error, attempt: attempt)
                if let deadline, ContinuousClock.now + backoff - started > deadline { return nil }
                if inbox.isAbandoned { return nil }
                do { try await Task.sleep(for: backoff) } catch { return nil }
            }
        }
    }

    /// ``process(_:deadline:)`` on the MQTT network thread, synchronously (``CommitHandoff/Committer``): no
    /// thread hand-off a batch. A database that refuses writes is retried with the same backoff until it takes
    /// the batch, or until the client stops (`false`: the batch stays unacknowledged for redelivery).
    public func commitOnNetworkThread(_ batch: [InboundMessage], isStopping: () -> Bool) -> Bool {
        let decision = decide(batch)
        var attempt = 0
        while true {
            do {
                let written = try alerts.commitNow(writing(decision.decided, receivedAt: decision.now))
                _ = committed(decision, written, attempts: attempt)
                return true
            } catch {
                attempt += 1
                let backoff = failed(batch, error, attempt: attempt)
                let until = ContinuousClock.now + backoff
                // In slices, so a stop is noticed within 10 ms.
                while ContinuousClock.now < until {
                    if isStopping() {
                        logger.warning("a batch could not be committed before shutdown; left unacknowledged for redelivery",
                                       metadata: ["ingest.batch": "\(batch.count)"])
                        return false
                    }
                    Thread.sleep(forTimeInterval: 0.01)
                }
            }
        }
    }

    /// What each message of a batch is (pure: ``MessageIngest``), and the protocol replies owed.
    private struct Decision {
        var now: Int64
        var decided: [(InboundMessage, IngestOutcome)]
        var replies: [DeviceReply]
    }

    private func decide(_ batch: [InboundMessage]) -> Decision {
        let now = clock()
        let registry = alerts.registry
        var replies: [DeviceReply] = []
        let decided = batch.map { message in
            let raw = RawMessage(topic: message.topic, payload: message.payload, receivedAt: now, media: message.media)
            let (outcome, reply) = message.preRejected.map { rejection in
                (IngestOutcome.rejected(rejection), ingest.reply(to: raw, outcome: .rejected(rejection)))
            } ?? ingest.decide(raw, registry: registry, now: now)
            if let reply { replies.append(reply) }
            return (message, outcome)
        }
        return Decision(now: now, decided: decided, replies: replies)
    }

    /// After the commit: logs, counters, metrics and the replies (which promise the device its message is kept).
    private func committed(_ decision: Decision, _ written: (([IngestReceipt], Duration), [AlertTransition]), attempts: Int) -> [IngestReceipt] {
        let ((receipts, ruleTime), transitions) = written
        AlertLog.log(transitions, logger: logger)
        let rejected = decision.decided.compactMap { _, outcome in
            if case let .rejected(rejection) = outcome { rejection.reason } else { nil }
        }
        var stored = 0, duplicates = 0
        for receipt in receipts {
            stored += receipt.stored
            duplicates += receipt.duplicates
            deviceStates.confirm(receipt.stateWrites)
        }
        counters.record(received: decision.decided.count, stored: stored, duplicates: duplicates, rejected: rejected)
        metrics.recordIngest(received: decision.decided.count, stored: stored, duplicates: duplicates, rejected: rejected, ruleTime: ruleTime)
        countUnknownCodes(decision.decided)
        decision.replies.forEach(publishReply)
        log(decision.decided)
        if attempts > 0 {
            health.recovered()
            logger.notice("database writable again; ingest resumed", metadata: ["ingest.attempts": "\(attempts + 1)"])
        }
        return receipts
    }

    /// A refused write: recorded for `/readyz` and the metrics, logged (the first and every tenth), and the
    /// backoff before the next attempt.
    private func failed(_ batch: [InboundMessage], _ error: any Error, attempt: Int) -> Duration {
        health.writeFailed(error)
        metrics.recordWriteFailure()
        if attempt == 1 { inbox.noteRetry() }
        // The first failure and then one line in ten: a full disk must not flood the log.
        if attempt == 1 || attempt % 10 == 0 {
            logger.error("storing a batch failed; not acknowledged, retrying", metadata: [
                "ingest.batch": "\(batch.count)", "ingest.attempt": "\(attempt)", "error": "\(error)",
            ])
        }
        return StorageAccess.retryDelay(attempt: attempt)
    }

    /// One transaction: events (new ones are evaluated by the rule engine; redeliveries are not),
    /// dead letters, device state, alert transitions and their publications.
    private func writing(_ decided: [(InboundMessage, IngestOutcome)], receivedAt: Int64)
        -> @Sendable (StorageConnection, inout AlertEngine) throws -> (([IngestReceipt], Duration), [AlertTransition]) {
        { [store, clockWatch, deviceStates] db, engine in
            var receipts: [IngestReceipt] = []
            var transitions: [AlertTransition] = []
            var ruleTime = Duration.zero
            let clock = ContinuousClock()
            for (message, outcome) in decided {
                var receipt = IngestReceipt()
                switch outcome {
                case let .accepted(messages):
                    for deviceMessage in messages {
                        let write = Self.stateWrite(deviceMessage, receivedAt: receivedAt, throttle: deviceStates)
                        if try store.insert(deviceMessage, receivedAt: receivedAt, in: db, writingState: write != nil) {
                            receipt.stored += 1
                            if let write { receipt.stateWrites.append(write) }
                            try commissionIfNew(deviceMessage.deviceID, engine: &engine, now: receivedAt, in: db)
                            let started = clock.now
                            transitions += engine.receive(Self.evaluated(deviceMessage, receivedAt: receivedAt), now: receivedAt)
                            // The gateway's own events about the device (its clock went wrong, or right again).
                            for gatewayEvent in clockWatch.observe(deviceMessage, receivedAt: receivedAt)
                                where try store.insert(gatewayEvent, receivedAt: receivedAt, in: db, writingState: false) {
                                transitions += engine.receive(gatewayEvent, now: receivedAt)
                            }
                            ruleTime += clock.now - started
                        } else {
                            receipt.duplicates += 1
                        }
                    }
                case let .rejected(rejection):
                    receipt.rejection = rejection
                    try store.insertDeadLetter(topic: message.topic, payload: message.payload, rejection: rejection,
                                               receivedAt: receivedAt, size: message.payloadSize, in: db)
                }
                receipts.append(receipt)
            }
            return ((receipts, ruleTime), transitions)
        }
    }

    /// The `device_state` write `message` needs, or nil when its device's row is recent enough to stay.
    static func stateWrite(_ message: DeviceMessage, receivedAt: Int64, throttle: DeviceStateThrottle) -> DeviceStateThrottle.Write? {
        if case .status = message.body { return .init(deviceID: message.deviceID, at: receivedAt, routine: false) }
        guard !throttle.isCurrent(message.deviceID, now: receivedAt) else { return nil }
        return .init(deviceID: message.deviceID, at: receivedAt, routine: true)
    }

    /// A message whose device clock is beyond the skew limit is evaluated at its arrival time (it is stored
    /// with its own `ts`); every other message at its device time.
    static func evaluated(_ message: DeviceMessage, receivedAt: Int64) -> DeviceMessage {
        guard message.clockSkewMillis != nil else { return message }
        var evaluated = message
        evaluated.ts = receivedAt
        return evaluated
    }

    private func countUnknownCodes(_ decided: [(InboundMessage, IngestOutcome)]) {
        for case let (_, .accepted(messages)) in decided {
            for message in messages {
                if message.eventName == DeviceMessage.unknownVendorEvent { metrics.recordUnknownVendorCode(format: message.format) }
                for problem in message.fieldProblems { metrics.recordFieldRejected(reason: problem.reason) }
            }
        }
        if let suspicion = clockWatch.assess(now: clock()) {
            logger.warning("gateway clock suspect; device traffic is kept", metadata: ["clock.suspicion": "\(suspicion)"])
        }
    }

    /// The gateway's answer about one message, once committed.
    public struct IngestReceipt: Sendable {
        public var stored = 0
        public var duplicates = 0
        public var rejection: Rejection?
        /// The `device_state` rows this message wrote, recorded once the transaction is committed.
        var stateWrites: [DeviceStateThrottle.Write] = []
    }

    /// A registered device's first valid message commissions it (registered → commissioned), recorded in
    /// the registry and the audit log in the same transaction.
    private func commissionIfNew(_ deviceID: String, engine: inout AlertEngine, now: Int64, in db: StorageConnection) throws {
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
