import AlertRules
import AsyncHTTPClient
import DeviceModel
import Foundation
import LocalBroker
import GRDB
import NIOCore
import NIOHTTP1
import Testing
@testable import GatewayRuntime

/// Work orders and relatives' messages through real HTTP servers standing in for the work-order system
/// and the message gateway.
@Suite(.serialized) struct DeliveryIntegrationTests {
    static func fastRetry(_ target: inout DeliveryTarget) {
        target.retry = RetryPolicy(baseSeconds: 0.2, maxSeconds: 1, jitter: 0.2)
        target.timeoutSeconds = 2
        target.leaseSeconds = 3
    }

    static func gateway(_ broker: MosquittoBroker, path: String, workOrders: HTTPStandIn?, messages: HTTPStandIn?,
                        http: Bool = false) throws -> RunningGateway {
        try RunningGateway(broker: broker.url, databasePath: path, configure: { settings in
            if let workOrders {
                var target = DeliveryTarget(kind: .workOrder, url: workOrders.url)
                fastRetry(&target)
                settings.workOrderTarget = target
            }
            if let messages {
                var target = DeliveryTarget(kind: .message, url: messages.url)
                fastRetry(&target)
                settings.messageTarget = target
            }
            if http { settings.http = HTTPServerSettings(host: "127.0.0.1", port: 0) }
        })
    }

    /// Publishes `count` separate smoke incidents (alarm, then clear): `count` alerts, each resolved.
    static func smokeIncidents(_ device: TestPublisher, count: Int, base: Int64) async throws {
        for index in 0..<count {
            let ts = base + Int64(index) * 10
            try device.publish("devices/xingfuli/smoke-1/event", #"{"ts": \#(ts), "event": "smoke_alarm"}"#)
            try device.publish("devices/xingfuli/smoke-1/event", #"{"ts": \#(ts + 1), "event": "smoke_clear"}"#)
        }
    }

    @Test func theWorkOrderSystemIsDownForAWhileThenBackAndEveryIncidentArrivesExactlyOnce() async throws {
        try await withBroker { broker in
            let directory = try TemporaryDirectory.make(prefix: "wo-down")
            let workOrders = try HTTPStandIn()   // not started: connection refused
            let gateway = try Self.gateway(broker, path: directory.appendingPathComponent("g.sqlite").path, workOrders: workOrders, messages: nil)
            try await gateway.start()
            let device = try TestPublisher(broker: broker.url)
            try await device.connect()
            try await Self.smokeIncidents(device, count: 5, base: nowMillis() - 10_000)
            #expect(await eventually(timeout: .seconds(30)) {
                (try? gateway.count("SELECT COUNT(*) FROM deliveries WHERE kind = 'workorder.create' AND attempts >= 2")) == 5
            })
            try await workOrders.start()
            #expect(await eventually(timeout: .seconds(20)) {
                (try? gateway.count("SELECT COUNT(*) FROM deliveries WHERE state = 'delivered'")) == 10
            })
            // Each incident: its work order created, then (the smoke cleared, the alert resolved) closed.
            let unique = workOrders.uniqueByKey.filter { $0.path == "/api/cases" }
            #expect(unique.count == 5)
            #expect(workOrders.uniqueByKey.filter { $0.path.hasSuffix("/close") }.count == 5)
            #expect(Set(unique.map { $0.body["external_id"] as? String ?? "" }).count == 5)
            let first = try #require(unique.first?.body)
            #expect(first["category"] as? String == "火灾隐患")
            #expect(first["urgency"] as? String == "urgent")
            #expect(first["grid_code"] as? String == "330106005001")
            #expect((first["deadline"] as? String)?.hasSuffix("+08:00") == true)
            #expect((first["title"] as? String)?.contains("烟雾报警") == true)
            // The work-order system's own id is kept.
            #expect(try gateway.count("SELECT COUNT(*) FROM work_orders WHERE external_ref LIKE 'WO-%'") == 5)
            await device.disconnect()
            try await gateway.stop()
            await workOrders.stop()
        }
    }

    @Test func aRejectedWorkOrderIsDeadLetteredWithTheResponseAnd429IsRetried() async throws {
        try await withBroker { broker in
            let directory = try TemporaryDirectory.make(prefix: "wo-400")
            let workOrders = try HTTPStandIn()
            try await workOrders.start()
            workOrders.mode = .status(400, retryAfter: nil)
            let gateway = try Self.gateway(broker, path: directory.appendingPathComponent("g.sqlite").path, workOrders: workOrders, messages: nil)
            try await gateway.start()
            let device = try TestPublisher(broker: broker.url)
            try await device.connect()
            try await Self.smokeIncidents(device, count: 1, base: nowMillis() - 10_000)
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM deliveries WHERE kind = 'workorder.create' AND state = 'dead'")) == 1 })
            let row = try await gateway.gateway.database.read { db in
                try Row.fetchOne(db, sql: "SELECT last_status, response, attempts FROM deliveries WHERE kind = 'workorder.create'")
            }
            #expect(row?["last_status"] as Int? == 400)
            #expect((row?["response"] as String?)?.contains("told to fail") == true)
            #expect(row?["attempts"] as Int? == 1)

            workOrders.mode = .status(429, retryAfter: 1)
            try await Self.smokeIncidents(device, count: 1, base: nowMillis() - 5_000)
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM deliveries WHERE kind = 'workorder.create' AND state = 'pending' AND last_status = 429")) == 1 })
            let next = try await gateway.gateway.database.read { db in
                try Row.fetchOne(db, sql: "SELECT next_attempt_at - ? AS wait FROM deliveries WHERE state = 'pending' AND last_status = 429",
                                 arguments: [nowMillis()])
            }
            // Retry-After: 1 s wins over the 0.2 s backoff.
            #expect((next?["wait"] as Int64? ?? 0) > 500)
            workOrders.mode = .accept
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM deliveries WHERE kind = 'workorder.create' AND state = 'delivered'")) == 1 })
            await device.disconnect()
            try await gateway.stop()
            await workOrders.stop()
        }
    }

    @Test func theGatewayStoppedMidDeliveryStillDeliversAfterARestart() async throws {
        try await withBroker { broker in
            let directory = try TemporaryDirectory.make(prefix: "wo-crash")
            let path = directory.appendingPathComponent("g.sqlite").path
            let workOrders = try HTTPStandIn()
            try await workOrders.start()
            workOrders.mode = .stall(seconds: 10)
            let first = try Self.gateway(broker, path: path, workOrders: workOrders, messages: nil)
            try await first.start()
            let device = try TestPublisher(broker: broker.url)
            try await device.connect()
            try await Self.smokeIncidents(device, count: 2, base: nowMillis() - 10_000)
            #expect(await eventually { workOrders.received.count >= 1 })
            try await first.stop()   // mid-delivery: the receiver got the request but we have no answer

            workOrders.mode = .accept
            let second = try Self.gateway(broker, path: path, workOrders: workOrders, messages: nil)
            try await second.start()
            #expect(await eventually(timeout: .seconds(20)) {
                (try? second.count("SELECT COUNT(*) FROM deliveries WHERE state = 'delivered'")) == 4
            })
            #expect(workOrders.uniqueByKey.count == 4)
            await device.disconnect()
            try await second.stop()
            await workOrders.stop()
        }
    }

    @Test func aClosingStatusResolvesTheAlertAndTellsTheConsoleAndTheRelatives() async throws {
        try await withBroker { broker in
            let directory = try TemporaryDirectory.make(prefix: "wo-close")
            let workOrders = try HTTPStandIn()
            try await workOrders.start()
            let messages = try HTTPStandIn()
            try await messages.start()
            let gateway = try Self.gateway(broker, path: directory.appendingPathComponent("g.sqlite").path,
                                           workOrders: workOrders, messages: messages, http: true)
            try await gateway.start()
            let console = try TestSubscriber(broker: broker.url, filter: "alerts/#")
            try await console.connect()
            let device = try TestPublisher(broker: broker.url)
            try await device.connect()
            try device.publish("devices/xingfuli/smoke-1/event", #"{"ts": \#(nowMillis()), "event": "smoke_alarm"}"#)
            #expect(await eventually { workOrders.uniqueByKey.count == 1 })
            let alertID = try #require(workOrders.uniqueByKey.first?.body["external_id"] as? String)
            let port = try #require(gateway.gateway.httpPort)
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            defer { _ = client.shutdown() }

            func post(_ body: String, token: String?) async throws -> (Int, String) {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/workorders/\(alertID)/status")
                request.method = .POST
                if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
                request.body = .bytes(ByteBuffer(string: body))
                let response = try await client.execute(request, timeout: .seconds(5))
                return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 65536)))
            }
            #expect(try await post(#"{"status": "closed"}"#, token: nil).0 == 401)
            #expect(try await post(#"{"status": "closed"}"#, token: "wrong").0 == 401)
            #expect(try await post(#"{"status": "closed"}"#, token: "console-secret").0 == 403)
            let bad = try await post(#"{"status": "finished"}"#, token: TestRegistry.workOrderToken)
            #expect(bad.0 == 400 && bad.1.contains(#""code":"invalid_status""#))
            #expect(try await post(#"{"status": "受理", "work_order_id": "WO-1"}"#, token: TestRegistry.workOrderToken).0 == 200)
            let closed = try await post(#"{"status": "办结", "note": "消防栓旁杂物已清理"}"#, token: TestRegistry.workOrderToken)
            #expect(closed.0 == 200 && closed.1.contains(#""alert_state":"resolved""#))
            #expect(await eventually { console.json().contains { $0["id"] as? String == alertID && $0["state"] as? String == "resolved" } })
            let resolved = try #require(console.json().last { $0["state"] as? String == "resolved" })
            #expect(resolved["resolved_by"] as? String == "workorder:wo-system")
            // Repeating the close is harmless.
            #expect(try await post(#"{"status": "closed"}"#, token: TestRegistry.workOrderToken).0 == 200)
            let unknown = try await client.execute({
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/workorders/al-1-00000000/status")
                request.method = .POST
                request.headers.add(name: "Authorization", value: "Bearer \(TestRegistry.workOrderToken)")
                request.body = .bytes(ByteBuffer(string: #"{"status": "closed"}"#))
                return request
            }(), timeout: .seconds(5))
            #expect(unknown.status.code == 404)
            await console.disconnect()
            await device.disconnect()
            try await gateway.stop()
            await workOrders.stop()
            await messages.stop()
        }
    }

    @Test func relativesGetMaskedOneSegmentMessagesPerTheirPreferenceWithoutSpam() async throws {
        try await withBroker { broker in
            let directory = try TemporaryDirectory.make(prefix: "relatives")
            let messages = try HTTPStandIn()
            try await messages.start()
            let gateway = try Self.gateway(broker, path: directory.appendingPathComponent("g.sqlite").path, workOrders: nil, messages: messages)
            try await gateway.start()
            let device = try TestPublisher(broker: broker.url)
            try await device.connect()
            let ts = nowMillis()
            // Critical (fall): both relatives. Repeats of the same alert send nothing more.
            for offset in 0..<3 {
                try device.publish("devices/xingfuli/band-1/event", #"{"ts": \#(ts + Int64(offset)), "event": "fall_detected"}"#)
            }
            // Warning (battery low): only the relative who asked for all alerts.
            try device.publish("devices/xingfuli/band-1/telemetry", #"{"ts": \#(ts), "metrics": {"battery": 12, "heart_rate": 141}}"#)
            #expect(await eventually { messages.uniqueByKey.count == 3 })
            try await Task.sleep(for: .milliseconds(300))
            #expect(messages.uniqueByKey.count == 3)
            let bodies = messages.uniqueByKey.map(\.body)
            let recipients = bodies.map { $0["recipient"] as? String ?? "" }
            #expect(recipients.filter { $0 == "13812341234" }.count == 1)
            #expect(recipients.filter { $0 == "13998765432" }.count == 2)
            for body in bodies {
                let params = body["params"] as? [String: String] ?? [:]
                #expect(params["name"] == "张*华")
                #expect(body["template_id"] as? String != nil)
                let template = try #require(RelativeMessageTemplate(rawValue: body["template_id"] as? String ?? ""))
                let text = template.render(params, signature: "【智慧社区】")
                #expect(text.count <= RelativeMessageTemplate.singleSegmentLength, "\(text)")
                // No health values: the readings (battery 12, heart rate 141) appear in no parameter.
                // (The rendered text carries a "MM-dd HH:mm" time, which may itself contain "12".)
                let place = params["place"] ?? ""
                #expect(!params.values.contains { $0.contains("141") } && !place.contains("501"), "\(params)")
                #expect(!params.keys.contains { ["battery", "heart_rate", "value", "reading"].contains($0) }, "\(params)")
                #expect(!text.contains("141") && !text.contains("501"), "\(text)")
            }
            // Rate limit: at most 4 per recipient per hour; the rest are recorded as rate-limited.
            for index in 0..<6 {
                try device.publish("devices/xingfuli/band-1/telemetry", #"{"ts": \#(ts + 100 + Int64(index) * 2), "metrics": {"battery": 50}}"#)
                try device.publish("devices/xingfuli/band-1/telemetry", #"{"ts": \#(ts + 101 + Int64(index) * 2), "metrics": {"battery": 10}}"#)
            }
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM deliveries WHERE state = 'rate_limited'")) ?? 0 > 0 })
            #expect(await eventually {
                (try? gateway.count("SELECT COUNT(*) FROM deliveries WHERE recipient = '13998765432' AND state = 'delivered'")) == 4
            })
            await device.disconnect()
            try await gateway.stop()
            await messages.stop()
        }
    }
}
