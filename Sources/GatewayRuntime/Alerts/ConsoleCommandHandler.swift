import AlertRules
import DeviceModel
import Foundation
import Logging

/// Carries out operator commands from the console's MQTT topic `alert-commands/{community}/{alertId}/ack|resolve`
/// through ``AlertDesk``; a command that cannot be carried out is dead-lettered with the reason.
struct ConsoleCommandHandler: Sendable {
    let desk: AlertDesk
    let database: StoragePool
    let clock: @Sendable () -> Int64
    let logger: Logger
    /// The API's tokens in force: a command carries one of role operator (or admin).
    let tokens: @Sendable () -> [APIToken]
    let metrics: GatewayMetrics

    /// Commands are acknowledged to the broker only once each is carried out or dead-lettered; a command the
    /// database cannot take is retried, and abandoned unacknowledged (redelivered) if the gateway stops.
    func consume(_ inbox: CommitHandoff) async {
        while let batch = await inbox.nextBatch() {
            for message in batch {
                var attempt = 0
                while await !handle(message) {
                    attempt += 1
                    if inbox.isAbandoned { return }
                    if attempt >= 50 {
                        logger.error("alert command given up after repeated failures", metadata: ["mqtt.topic": "\(message.topic.prefix(200))"])
                        break
                    }
                    do { try await Task.sleep(for: StorageAccess.retryDelay(attempt: attempt)) } catch {
                        inbox.abandon()
                        return
                    }
                }
            }
            inbox.complete()
        }
    }

    /// Carries out one command or dead-letters it; `false` when the database refused the write.
    private func handle(_ message: InboundMessage) async -> Bool {
        let now = clock()
        do {
            let command = try AlertCommand.parse(topic: message.topic, payload: message.payload, tokens: tokens())
            let transition: AlertTransition
            do {
                transition = try await desk.perform(command.action,
                                                         alertID: command.alertID, community: command.community,
                                                         actor: command.actor, note: command.note, category: command.category, now: now)
            } catch AlertDesk.Failure.notFound {
                throw Rejection(.invalidCommand, "no open alert \(command.alertID) in community \(command.community)")
            } catch let AlertDesk.Failure.command(error) {
                throw Rejection(.invalidCommand, error.description)
            }
            let transitions = [transition]
            AlertLog.log(transitions, logger: logger)
            return true
        } catch let refusal as CommandRefusal {
            // A forged or stale console: refused, counted, audited and dead-lettered (the token masked in it).
            metrics.recordConsoleCommandRefused(reason: refusal.reason)
            logger.warning("alert command refused", metadata: ["mqtt.topic": "\(message.topic.prefix(200))", "reject.reason": "\(refusal.reason)"])
            let target = message.topic.split(separator: "/").dropFirst(2).first.map(String.init) ?? "-"
            do {
                try await StorageAccess.write(database) { db in
                    try OperationsStore().audit(actor: "unauthenticated", action: "alert.command_refused", target: String(target.prefix(64)),
                                                detail: refusal.reason, now: now, in: db)
                    try IngestStore().insertDeadLetter(topic: message.topic, payload: message.payload,
                                                       rejection: Rejection(.invalidCommand, "refused: \(refusal.detail)"),
                                                       receivedAt: now, size: message.payloadSize, in: db)
                }
                return true
            } catch {
                logger.error("alert command refusal not recorded; retrying", metadata: ["error": "\(error)"])
                return false
            }
        } catch let rejection as Rejection {
            logger.notice("alert command rejected", metadata: ["mqtt.topic": "\(message.topic.prefix(200))", "reject.detail": "\(rejection.detail)"])
            do {
                try await StorageAccess.write(database) { db in
                    try IngestStore().insertDeadLetter(topic: message.topic, payload: message.payload, rejection: rejection,
                                                       receivedAt: now, size: message.payloadSize, in: db)
                }
                return true
            } catch {
                logger.error("alert command not recorded; retrying", metadata: ["error": "\(error)"])
                return false
            }
        } catch {
            logger.error("alert command failed; retrying", metadata: ["mqtt.topic": "\(message.topic.prefix(200))", "error": "\(error)"])
            return false
        }
    }
}
