import AlertRules
import DeviceModel
import Foundation
import LocalBroker
import GRDB
import Testing
@testable import GatewayRuntime

/// Alerts end to end: real broker, real SQLite, a console subscribed to `alerts/#`.
@Suite(.serialized) struct AlertIntegrationTests {
    @Test func aFallEventArrivesOnTheConsoleAndCanBeAcknowledgedOverMQTT() async throws {
        try await withBroker { broker in
            let directory = try TemporaryDirectory.make(prefix: "alerts")
            let gateway = try RunningGateway(broker: broker.url, databasePath: directory.appendingPathComponent("g.sqlite").path)
            try await gateway.start()
            let console = try TestSubscriber(broker: broker.url, filter: "alerts/#")
            try await console.connect()
            let device = try TestPublisher(broker: broker.url)
            try await device.connect()

            let ts = nowMillis()
            try device.publish("devices/xingfuli/band-1/event", #"{"ts": \#(ts), "event": "fall_detected", "data": {"confidence": 0.93}}"#)
            #expect(await eventually { !console.json().isEmpty })
            let opened = try #require(console.json().first)
            #expect(opened["state"] as? String == "open")
            #expect(opened["rule"] as? String == "elder.fall")
            #expect(opened["device"] as? String == "band-1")
            #expect(opened["community"] as? String == "xingfuli")
            #expect(opened["severity"] as? String == "critical")
            #expect(opened["title"] as? String == "跌倒报警")
            #expect((opened["source_ts"] as? NSNumber)?.int64Value == ts)
            #expect(opened["escalation_level"] as? String == "grid")
            #expect(opened["opened_at"] != nil && opened["updated_at"] != nil)
            let id = try #require(opened["id"] as? String)
            let openMessage = try #require(console.messages.first { $0.topic == "alerts/xingfuli/\(id)" })
            #expect(openMessage.qos == 1)

            // A repeat updates the same alert.
            try device.publish("devices/xingfuli/band-1/event", #"{"ts": \#(ts + 1000), "event": "fall_detected"}"#)
            #expect(await eventually { console.json().contains { $0["count"] as? Int == 2 } })
            #expect(try gateway.count("SELECT COUNT(*) FROM alerts") == 1)

            // Acknowledge over MQTT.
            // A forged command (no token, a made-up `by`; an installer's token) is refused, audited, not obeyed.
            try device.publish("alert-commands/xingfuli/\(id)/ack", #"{"by": "console-01", "note": "假的"}"#)
            try device.publish("alert-commands/xingfuli/\(id)/ack", #"{"token": "installer-secret", "note": "假的"}"#)
            #expect(await eventually {
                (try? gateway.count("SELECT COUNT(*) FROM audit_log WHERE action = 'alert.command_refused' AND target = ?", [id])) == 2
            })
            #expect(try gateway.count("SELECT COUNT(*) FROM alerts WHERE id = ? AND state = 'open'", [id]) == 1)
            #expect(try gateway.count("SELECT COUNT(*) FROM dead_letters WHERE payload LIKE '%installer-secret%'") == 0)
            // With the operator's token: the actor is the token's id, whatever `by` says.
            try device.publish("alert-commands/xingfuli/\(id)/ack", #"{"token": "console-secret", "by": "someone-else", "note": "已联系家属"}"#)
            #expect(await eventually { console.json().contains { $0["state"] as? String == "acknowledged" } })
            let acked = try #require(console.json().last)
            #expect(acked["acknowledged_by"] as? String == "console-01")

            // A late console still sees the open alert (retained).
            let late = try TestSubscriber(broker: broker.url, filter: "alerts/#")
            try await late.connect()
            #expect(await eventually { late.json().contains { $0["id"] as? String == id } })
            #expect(late.messages.first?.retained == true)

            // Resolve over MQTT with a note; the retained message is cleared.
            try device.publish("alert-commands/xingfuli/\(id)/resolve", #"{"token": "console-secret", "note": "老人已送医", "category": "genuine"}"#)
            #expect(await eventually { console.json().contains { $0["state"] as? String == "resolved" } })
            #expect(await eventually { (try? OutboxPublisher.pendingCount(gateway.gateway.database)) == 0 })
            let fresh = try TestSubscriber(broker: broker.url, filter: "alerts/#")
            try await fresh.connect()
            try await Task.sleep(for: .milliseconds(200))
            #expect(fresh.json().isEmpty)

            // The audit trail has every transition with who made it.
            let trail = try gateway.gateway.database.read { db in
                try Row.fetchAll(db, sql: "SELECT kind, actor FROM alert_transitions WHERE alert_id = ? ORDER BY id", arguments: [id])
            }
            #expect(trail.map { $0["kind"] as String } == ["opened", "updated", "acknowledged", "resolved"])
            #expect(trail.map { $0["actor"] as String } == ["system", "system", "console-01", "console-01"])

            // A bad command is recorded, not obeyed.
            try device.publish("alert-commands/xingfuli/\(id)/ack", #"{"by": "console-01"}"#)
            try device.publish("alert-commands/xingfuli/al-0-00000000/ack", #"not json"#)
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM dead_letters WHERE reason = 'invalid_command'")) == 4 })

            for client in [console, late, fresh] { await client.disconnect() }
            await device.disconnect()
            try await gateway.stop()
        }
    }

    @Test func openAlertsAndTimersSurviveARestartAndEscalate() async throws {
        try await withBroker { broker in
            let directory = try TemporaryDirectory.make(prefix: "alerts-restart")
            let path = directory.appendingPathComponent("g.sqlite").path
            let clock = ManualClock(nowMillis())
            let first = try RunningGateway(broker: broker.url, databasePath: path, clock: clock.closure)
            try await first.start()
            let device = try TestPublisher(broker: broker.url)
            try await device.connect()
            try device.publish("devices/xingfuli/smoke-1/event", #"{"ts": \#(clock.now), "event": "smoke_alarm"}"#)
            #expect(await eventually { (try? first.count("SELECT COUNT(*) FROM alerts WHERE state = 'open'")) == 1 })
            try await first.stop()

            let second = try RunningGateway(broker: broker.url, databasePath: path, clock: clock.closure)
            try await second.start()
            let console = try TestSubscriber(broker: broker.url, filter: "alerts/#")
            try await console.connect()
            // Unacknowledged critical: 5 min → community, 15 min → street.
            clock.advance(seconds: 300)
            // The daemon's own one-second tick may get there first: check the outcome, not who ticked.
            try await second.gateway.alerts.tick()
            #expect(try second.count("SELECT COUNT(*) FROM alert_transitions WHERE kind = 'escalated'") == 1)
            #expect(try second.count("SELECT escalation_level FROM alerts") == EscalationLevel.community.rawValue)
            #expect(await eventually { console.json().contains { $0["escalation_level"] as? String == "community" } })
            // The smoke clears: the same alert (restored from SQLite) resolves itself.
            try device.publish("devices/xingfuli/smoke-1/event", #"{"ts": \#(clock.now), "event": "smoke_clear"}"#)
            #expect(await eventually { (try? second.count("SELECT COUNT(*) FROM alerts WHERE state = 'resolved'")) == 1 })
            #expect(try second.count("SELECT COUNT(*) FROM alerts") == 1)
            await console.disconnect()
            await device.disconnect()
            try await second.stop()
            #expect(try OutboxPublisher.pendingCount(second.gateway.database) == 0)
        }
    }
}
