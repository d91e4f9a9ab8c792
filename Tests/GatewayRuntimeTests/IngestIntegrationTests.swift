import DeviceModel
import Foundation
import LocalBroker
import GRDB
import Testing
@testable import GatewayRuntime

/// End to end through a real mosquitto broker and a real SQLite file.
@Suite(.serialized) struct IngestIntegrationTests {
    @Test func telemetryBecomesAStoredEventAndMarksTheDeviceOnline() async throws {
        try await withBroker { broker in
            let directory = try TemporaryDirectory.make(prefix: "ingest")
            let gateway = try RunningGateway(broker: broker.url, databasePath: directory.appendingPathComponent("g.sqlite").path)
            try await gateway.start()
            let publisher = try TestPublisher(broker: broker.url)
            try await publisher.connect()
            let ts = nowMillis()
            try publisher.publish("devices/xingfuli/band-1/telemetry", #"{"ts": \#(ts), "metrics": {"heart_rate": 72, "spo2": 97, "battery": 80}}"#)
            try publisher.publish("devices/xingfuli/smoke-1/event", #"{"ts": \#(ts), "event": "smoke_alarm", "data": {"smoke_value": 420}}"#)
            try publisher.publish("devices/cuiyuan1/door-1/status", #"{"ts": \#(ts), "online": false}"#)
            #expect(await eventually { gateway.eventCount == 3 })

            let row = try #require(try gateway.gateway.database.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM events WHERE device_id = 'band-1'")
            })
            #expect(row["channel"] as String == "telemetry")
            #expect(row["ts"] as Int64 == ts)
            #expect(row["community"] as String == "xingfuli")
            #expect(row["body"] as String == #"{"battery":80,"heart_rate":72,"spo2":97}"#)
            let event = try gateway.gateway.database.read { db in
                try Row.fetchOne(db, sql: "SELECT event, body FROM events WHERE device_id = 'smoke-1'")
            }
            #expect(event?["event"] as String? == "smoke_alarm")
            #expect(event?["body"] as String? == #"{"smoke_value":420}"#)
            #expect(try gateway.count("SELECT online FROM device_state WHERE device_id = 'band-1'") == 1)
            #expect(try gateway.count("SELECT online FROM device_state WHERE device_id = 'door-1'") == 0)
            #expect(gateway.deadLetterCount == 0)
            await publisher.disconnect()
            try await gateway.stop()
        }
    }

    @Test func everyKindOfBadInputLandsInDeadLettersWithItsReason() async throws {
        try await withBroker { broker in
            let directory = try TemporaryDirectory.make(prefix: "bad")
            let gateway = try RunningGateway(broker: broker.url, databasePath: directory.appendingPathComponent("g.sqlite").path)
            try await gateway.start()
            let publisher = try TestPublisher(broker: broker.url)
            try await publisher.connect()
            let ts = nowMillis()
            let cases: [(String, String, Rejection.Reason)] = [
                ("devices/xingfuli/band-1/telemetry", #"{"ts": \#(ts), "metrics": {"heart_rate": 72"#, .malformedJSON),
                ("devices/xingfuli/band-1/telemetry", "not json at all", .malformedJSON),
                ("devices/xingfuli/band-1/telemetry", #"{"metrics": {"heart_rate": 72}}"#, .invalidPayload),
                ("devices/xingfuli/ghost-9/telemetry", #"{"ts": \#(ts), "metrics": {"battery": 50}}"#, .unknownDevice),
                ("devices/cuiyuan1/band-1/telemetry", #"{"ts": \#(ts), "metrics": {"battery": 50}}"#, .communityMismatch),
                ("devices/xingfuli/band-1/video", #"{"ts": \#(ts)}"#, .unknownChannel),
                ("devices/xingfuli/band-1", #"{"ts": \#(ts)}"#, .badTopic),
                ("devices/xingfuli/band-1/telemetry", #"{"ts": \#(ts + 1), "metrics": {"heart_rate": 400}}"#, .valueOutOfRange),
                ("devices/xingfuli/band-1/telemetry", #"{"ts": \#(ts + 2), "metrics": {"lel": 10}}"#, .unknownMetric),
                ("devices/xingfuli/band-1/event", #"{"ts": \#(ts + 3), "event": "door_forced"}"#, .unknownEvent),
                ("devices/xingfuli/gas-old/telemetry", #"{"ts": \#(ts), "metrics": {"lel": 3}}"#, .deviceDecommissioned),
            ]
            for (topic, payload, _) in cases { try publisher.publish(topic, payload) }
            let oversize = Data(repeating: UInt8(ascii: "x"), count: 70_000)
            try publisher.publish("devices/xingfuli/band-1/telemetry", bytes: oversize)
            // One good message after the bad ones: the daemon is still ingesting.
            try publisher.publish("devices/xingfuli/band-1/telemetry", #"{"ts": \#(ts), "metrics": {"battery": 79}}"#)

            #expect(await eventually { gateway.deadLetterCount == cases.count + 1 && gateway.eventCount == 1 })
            let stored = try gateway.gateway.database.read { db in
                try Row.fetchAll(db, sql: "SELECT topic, reason, payload_size, length(payload) AS kept FROM dead_letters ORDER BY id")
            }
            let expected = cases.map(\.2.rawValue) + [Rejection.Reason.payloadTooLarge.rawValue]
            #expect(stored.map { $0["reason"] as String } == expected)
            #expect(stored.map { $0["topic"] as String }.prefix(cases.count).elementsEqual(cases.map(\.0)))
            let last = try #require(stored.last)
            #expect(last["payload_size"] as Int == 70_000)
            #expect(last["kept"] as Int == 4096)
            // Counters are updated just after the commit that made the rows visible: wait for them too.
            #expect(await eventually { gateway.gateway.counters.snapshot.rejectedTotal == cases.count + 1 })
            let counts = gateway.gateway.counters.snapshot
            #expect(counts.rejectedTotal == cases.count + 1)
            #expect(counts.rejected[.malformedJSON] == 2)
            await publisher.disconnect()
            try await gateway.stop()
        }
    }

    @Test func aRedeliveredMessageIsStoredOnce() async throws {
        try await withBroker { broker in
            let directory = try TemporaryDirectory.make(prefix: "dup")
            let gateway = try RunningGateway(broker: broker.url, databasePath: directory.appendingPathComponent("g.sqlite").path)
            try await gateway.start()
            let publisher = try TestPublisher(broker: broker.url)
            try await publisher.connect()
            let ts = nowMillis()
            for _ in 0..<3 {
                try publisher.publish("devices/xingfuli/band-1/event", #"{"ts": \#(ts), "event": "fall_detected"}"#)
            }
            try publisher.publish("devices/xingfuli/band-1/event", #"{"ts": \#(ts + 1), "event": "sos"}"#)
            #expect(await eventually { gateway.gateway.counters.snapshot.received == 4 })
            #expect(gateway.eventCount == 2)
            #expect(gateway.gateway.counters.snapshot.duplicates == 2)
            await publisher.disconnect()
            try await gateway.stop()
        }
    }

    @Test func noQoS1MessageIsLostWhenTheBrokerRestartsMidStream() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        defer { broker.stop() }
        let directory = try TemporaryDirectory.make(prefix: "restart-broker")
        let gateway = try RunningGateway(broker: broker.url, databasePath: directory.appendingPathComponent("g.sqlite").path)
        try await gateway.start()
        let publisher = try TestPublisher(broker: broker.url)
        try await publisher.connect()
        let base = nowMillis() - 60_000
        let total = 600
        for index in 0..<total {
            if index == 200 { broker.stop() }
            if index == 400 { try broker.start() }
            try publisher.publish("devices/xingfuli/band-1/telemetry", #"{"ts": \#(base + Int64(index)), "metrics": {"heart_rate": 70}}"#)
            if index % 50 == 0 { try await Task.sleep(for: .milliseconds(10)) }
        }
        let allStored = await eventually(timeout: .seconds(30)) { gateway.eventCount == total }
        #expect(allStored, "stored \(gateway.eventCount) of \(total)")
        #expect(gateway.deadLetterCount == 0)
        await publisher.disconnect()
        try await gateway.stop()
    }

    @Test func messagesPublishedWhileTheGatewayIsDownAreStoredWhenItComesBack() async throws {
        try await withBroker { broker in
            let directory = try TemporaryDirectory.make(prefix: "restart-gateway")
            let path = directory.appendingPathComponent("g.sqlite").path
            let first = try RunningGateway(broker: broker.url, databasePath: path)
            try await first.start()
            let publisher = try TestPublisher(broker: broker.url)
            try await publisher.connect()
            let base = nowMillis() - 60_000
            for index in 0..<100 {
                try publisher.publish("devices/xingfuli/band-1/telemetry", #"{"ts": \#(base + Int64(index)), "metrics": {"spo2": 96}}"#)
            }
            // Stop while messages may still be in flight: whatever was acknowledged must be drained first.
            try await first.stop()
            for index in 100..<500 {
                try publisher.publish("devices/xingfuli/band-1/telemetry", #"{"ts": \#(base + Int64(index)), "metrics": {"spo2": 96}}"#)
            }
            // Let the broker queue them for the gateway's persistent session.
            let queued = await eventually { publisherDrained(publisher) }
            #expect(queued)

            let second = try RunningGateway(broker: broker.url, databasePath: path)
            try await second.start()
            let allStored = await eventually(timeout: .seconds(30)) { second.eventCount == 500 }
            #expect(allStored, "stored \(second.eventCount) of 500")
            await publisher.disconnect()
            try await second.stop()
        }
    }
}

/// Whether the publisher has no QoS 1 message still waiting for its PUBACK.
private func publisherDrained(_ publisher: TestPublisher) -> Bool {
    publisher.client.pendingOutgoing == 0
}
