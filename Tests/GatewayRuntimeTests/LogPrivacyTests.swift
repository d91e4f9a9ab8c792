import Foundation
import LocalBroker
import GRDB
import InMemoryLogging
import Logging
import Testing
@testable import GatewayRuntime

/// PIPL: names, phone numbers, health values and operators' notes never reach the logs.
@Suite(.serialized) struct LogPrivacyTests {
    @Test func aFallAlertFlowLogsNoPersonalData() async throws {
        try await withBroker { broker in
            let handler = InMemoryLogHandler()
            var logger = Logger(label: "privacy") { _ in handler }
            logger.logLevel = .trace
            let directory = try TemporaryDirectory.make(prefix: "privacy")
            let gateway = try RunningGateway(broker: broker.url, databasePath: directory.appendingPathComponent("g.sqlite").path,
                                             logger: logger)
            try await gateway.start()
            let device = try TestPublisher(broker: broker.url)
            try await device.connect()
            let ts = nowMillis()
            try device.publish("devices/xingfuli/band-1/telemetry", #"{"ts": \#(ts), "metrics": {"heart_rate": 173.25, "spo2": 83.5}}"#)
            try device.publish("devices/xingfuli/band-1/event", #"{"ts": \#(ts), "event": "fall_detected", "data": {"name": "张建华"}}"#)
            try device.publish("devices/xingfuli/band-1/telemetry", #"{"ts": \#(ts + 1), "metrics": {"heart_rate": 251.75}}"#)
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM alerts")) == 1 && gateway.deadLetterCount == 1 })
            let id = try await gateway.gateway.database.read { db in try String.fetchOne(db, sql: "SELECT id FROM alerts") } ?? ""
            try device.publish("alert-commands/xingfuli/\(id)/ack", #"{"token": "console-secret", "note": "已联系张小明 13812341234"}"#)
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM alerts WHERE state = 'acknowledged'")) == 1 })
            await device.disconnect()
            try await gateway.stop()

            let entries = handler.entries
            #expect(entries.contains { $0.message.description == "alert opened" })
            let text = entries.map { "\($0.message) \($0.metadata) \(String(describing: $0.error))" }.joined(separator: "\n")
            for secret in ["张建华", "张小明", "13812341234", "173.25", "83.5", "251.75", "已联系"] {
                #expect(!text.contains(secret), "log contains \(secret)")
            }
        }
    }
}
