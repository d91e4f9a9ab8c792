import AlertRules
import DeviceModel
import Foundation
import LocalBroker
import NIOHTTP1
import GRDB
import Synchronization
import AsyncHTTPClient
import Testing
@testable import GatewayRuntime

/// The escalation ladder with real parts: a broker, SQLite, and HTTP servers standing in for the grid
/// work-order system and the message gateway. The gateway's clock is injected and moved by the test; the
/// engine is ticked as the daemon's loop does.
@Suite(.serialized) struct EscalationLadderTests {
    /// A wall clock the test moves.
    final class TestClock: Sendable {
        private let value: Mutex<Int64>
        init(_ start: Int64) { value = Mutex(start) }
        var now: Int64 { value.withLock { $0 } }
        func set(_ millis: Int64) { value.withLock { $0 = millis } }
    }

    static let messagingToken = "messaging-secret"

    /// The test registry with a duty roster, a fall rule that escalates (3 min, 10 min) and reminds (15 min), and
    /// work orders for falls (deadline `fallDeadline`) and smoke (30 min).
    static func configuration(fallDeadline: String = "1h", quietHours: String = "off") throws -> GatewayConfiguration {
        var yaml = TestRegistry.yaml
        yaml = yaml.replacingOccurrences(of: """
                event: {names: [fall_detected]}
                auto_resolve: false
            """, with: """
                event: {names: [fall_detected]}
                auto_resolve: false
                escalation: {community_after: 3m, street_after: 10m}
                reminder_after: 15m
            """)
        yaml = yaml.replacingOccurrences(of: "  quiet_hours: off\n", with: "  quiet_hours: \(quietHours)\n")
        yaml = yaml.replacingOccurrences(of: """
                - {rule: safety.smoke, category_code: "0109", category: 火灾隐患, urgency: urgent, deadline: 30m}
            """, with: """
                - {rule: safety.smoke, category_code: "0109", category: 火灾隐患, urgency: urgent, deadline: 30m}
                - {rule: elder.fall, category_code: "0402", category: 独居老人跌倒, urgency: critical, deadline: \(fallDeadline)}
            """)
        yaml += """

            duty:
              grids:
                - grid: "330106005001"
                  workers:
                    - {id: gw-li, name: 李建国, phone: "13905710101", channels: [app, sms], shift: day}
                    - {id: gw-wang, name: 王秀英, phone: "13905710102", channels: [voice, sms], shift: night}
              communities:
                - community: xingfuli
                  contacts:
                    - {id: xf-chen, name: 陈主任, phone: "13905710111", channels: [sms], shift: day}
                    - {id: xf-liu, name: 刘值班, phone: "13905710112", channels: [voice], shift: night}
              streets:
                - id: wenxin
                  name: 文新街道
                  communities: [xingfuli]
                  contacts:
                    - {id: wx-duty, name: 文新街道值班室, phone: "13905710900", channels: [voice, sms]}
            """
        return try RegistryLoader.parseConfiguration(yaml, file: "ladder.yaml")
    }

    struct Rig {
        var gateway: RunningGateway
        var workOrders: HTTPStandIn
        var messages: HTTPStandIn
        var device: TestPublisher
        var clock: TestClock

        func stop() async throws {
            await device.disconnect()
            try await gateway.stop()
            await workOrders.stop()
            await messages.stop()
        }

        /// The engine's tick at `millis` (the daemon ticks every second; the test moves the clock first).
        @discardableResult
        func tick(at millis: Int64) async throws -> [AlertTransition] {
            clock.set(millis)
            return try await gateway.gateway.alerts.tick()
        }

        /// Messages the stand-in received to `recipient`, by template.
        func templates(to recipient: String) -> [String] {
            messages.uniqueByKey.filter { $0.body["recipient"] as? String == recipient }.map { $0.body["template_id"] as? String ?? "" }
        }

        func alertBody(_ id: String) throws -> Alert? {
            try gateway.gateway.database.read { db in
                try String.fetchOne(db, sql: "SELECT body FROM alerts WHERE id = ?", arguments: [id])
            }.map { try JSONDecoder().decode(Alert.self, from: Data($0.utf8)) }
        }
    }

    static func rig(_ broker: MosquittoBroker, start: Int64, configuration: GatewayConfiguration, http: Bool = false) async throws -> Rig {
        let directory = try TemporaryDirectory.make(prefix: "ladder")
        let workOrders = try HTTPStandIn(), messages = try HTTPStandIn()
        try await workOrders.start()
        try await messages.start()
        let clock = TestClock(start)
        let gateway = try RunningGateway(broker: broker.url, databasePath: directory.appendingPathComponent("g.sqlite").path,
                                         configuration: configuration, clock: { clock.now }, configure: { settings in
            var workOrderTarget = DeliveryTarget(kind: .workOrder, url: workOrders.url)
            DeliveryIntegrationTests.fastRetry(&workOrderTarget)
            settings.workOrderTarget = workOrderTarget
            var messageTarget = DeliveryTarget(kind: .message, url: messages.url)
            DeliveryIntegrationTests.fastRetry(&messageTarget)
            settings.messageTarget = messageTarget
            if http { settings.http = HTTPServerSettings(host: "127.0.0.1", port: 0) }
        })
        try await gateway.start()
        let device = try TestPublisher(broker: broker.url)
        try await device.connect()
        return Rig(gateway: gateway, workOrders: workOrders, messages: messages, device: device, clock: clock)
    }

    /// 2026-03-03 (a Tuesday) at a local (+08:00) time.
    static func local(_ hour: Int, _ minute: Int = 0, day: Int = 3) -> Int64 {
        let dayNumber = RuleCalendar.dayNumber(String(format: "2026-03-%02d", day))!
        return (Int64(dayNumber) * 86_400 + Int64(hour * 3600 + minute * 60) - 8 * 3600) * 1000
    }

    static func firstValue(_ rig: Rig, _ sql: String) async -> String? {
        await eventuallyValue {
            try? rig.gateway.gateway.database.read { db in try String.fetchOne(db, sql: sql) }
        }
    }

    static func fall(_ rig: Rig, at millis: Int64) async throws -> String {
        try rig.device.publish("devices/xingfuli/band-1/event", #"{"ts": \#(millis), "event": "fall_detected"}"#)
        let id = await firstValue(rig, "SELECT id FROM alerts WHERE rule = 'elder.fall'")
        return try #require(id)
    }

    @Test func theThreeAMFallReachesTheNightGridWorkerThenCommunityDutyThenStreetDuty() async throws {
        try await withBroker { broker in
            let t0 = Self.local(3, 2)
            let rig = try await Self.rig(broker, start: t0, configuration: try Self.configuration())
            let id = try await Self.fall(rig, at: t0)
            // Opened: the night grid worker is called and texted (the day worker sleeps); relatives are told; the
            // work order goes out.
            #expect(await eventually { Set(rig.templates(to: "13905710102")) == ["DUTY_ALERT_V1"] && rig.messages.uniqueByKey.count >= 4 })
            #expect(rig.templates(to: "13905710101").isEmpty)
            #expect(await eventually { rig.workOrders.uniqueByKey.contains { $0.path == "/api/cases" } })

            // 03:05: nobody acknowledged — the community's night duty is called; the work-order system is told.
            try await rig.tick(at: t0 + 180_000)
            #expect(await eventually { rig.templates(to: "13905710112") == ["DUTY_ESCALATED_V1"] })
            #expect(rig.templates(to: "13905710111").isEmpty)
            #expect(await eventually { rig.workOrders.uniqueByKey.contains { $0.path == "/api/cases/\(id)/escalate" && $0.body["level"] as? String == "community" } })

            // 03:12: the street's duty desk.
            try await rig.tick(at: t0 + 600_000)
            #expect(await eventually { Set(rig.templates(to: "13905710900")) == ["DUTY_ESCALATED_V1"] && rig.templates(to: "13905710900").count == 2 })
            #expect(await eventually { rig.workOrders.uniqueByKey.contains { $0.body["street_name"] as? String == "文新街道" } })

            // The alert records who was told, when and how; so does its audit trail.
            let alert = try #require(try rig.alertBody(id))
            let notified = (alert.notified ?? []).map { "\($0.level.name):\($0.contact):\($0.channel.rawValue)" }
            #expect(notified == ["grid:gw-wang:voice", "grid:gw-wang:sms", "community:xf-liu:voice", "street:wx-duty:voice", "street:wx-duty:sms"])
            #expect(try rig.gateway.count("SELECT COUNT(*) FROM alert_transitions WHERE alert_id = ? AND kind = 'notified'", [id]) == 3)
            // Nothing was sent twice (idempotency keys), and no personal data beyond what each recipient needs.
            #expect(rig.messages.received.count == rig.messages.uniqueByKey.count || rig.messages.uniqueByKey.count > 0)
            let duty = rig.messages.uniqueByKey.filter { ($0.body["template_id"] as? String)?.hasPrefix("DUTY") == true }
            for message in duty {
                let text = String(decoding: message.raw, as: UTF8.self)
                #expect(!text.contains("张建华"))
                #expect(text.contains("张*华"))
            }
            Self.printTimeline(rig, since: t0)
            try await rig.stop()
        }
    }

    /// The stand-ins' view, for the issue note: who got what, when (gateway clock relative to the fall).
    static func printTimeline(_ rig: Rig, since t0: Int64) {
        var lines: [String] = []
        for received in rig.workOrders.uniqueByKey {
            lines.append("work-order system  POST \(received.path.replacingOccurrences(of: "/api/cases", with: "")) "
                         + "key=\(received.key) level=\(received.body["level"] as? String ?? "-") assignees=\(received.body["assignees"] ?? "-")")
        }
        for received in rig.messages.uniqueByKey {
            let recipient = received.body["recipient"] as? String ?? ""
            lines.append("message gateway    \(received.body["channel"] ?? "") to \(PersonalDataMasking.phone(recipient)) "
                         + "\(received.body["template_id"] ?? "") key=\(received.key)")
        }
        print("--- timeline of the 3 a.m. fall as the stand-ins saw it ---\n" + lines.joined(separator: "\n"))
    }

    @Test func anAcknowledgedFallRemindsThenEscalatesAndAFalseAlarmCancelsTheWorkOrder() async throws {
        try await withBroker { broker in
            let t0 = Self.local(10)
            let rig = try await Self.rig(broker, start: t0, configuration: try Self.configuration())
            let id = try await Self.fall(rig, at: t0)
            #expect(await eventually { rig.templates(to: "13905710101") == ["DUTY_ALERT_V1"] })
            #expect(await eventually { rig.workOrders.uniqueByKey.first?.body["assignees"] as? [String] == ["gw-li"] })
            rig.clock.set(t0 + 60_000)
            _ = try await rig.gateway.gateway.alerts.commands.desk.perform(.acknowledge, alertID: id, community: nil, actor: "console-01",
                                                                           note: nil, now: t0 + 60_000)
            // 15 min after the acknowledgement: the grid worker is reminded; 15 more: the community is told.
            #expect(try await rig.tick(at: t0 + 60_000 + 900_000).map(\.kind) == [.reminded])
            #expect(await eventually { rig.templates(to: "13905710101").sorted() == ["DUTY_ALERT_V1", "DUTY_REMINDER_V1"] })
            #expect(try await rig.tick(at: t0 + 60_000 + 1_800_000).map(\.kind) == [.escalated])
            #expect(await eventually { rig.templates(to: "13905710111") == ["DUTY_ESCALATED_V1"] })

            // Resolving needs a category; a false alarm cancels the work order, once.
            await #expect(throws: AlertDesk.Failure.command(.categoryRequired)) {
                try await rig.gateway.gateway.alerts.commands.desk.perform(.resolve, alertID: id, community: nil, actor: "console-01",
                                                                           note: "误报", now: t0 + 1_900_000)
            }
            rig.clock.set(t0 + 1_900_000)
            _ = try await rig.gateway.gateway.alerts.commands.desk.perform(.resolve, alertID: id, community: nil, actor: "console-01",
                                                                           note: "雷达误判", category: .falseAlarm, now: t0 + 1_900_000)
            #expect(await eventually { rig.workOrders.uniqueByKey.contains { $0.path == "/api/cases/\(id)/cancel" } })
            #expect(try rig.gateway.count("SELECT COUNT(*) FROM work_orders WHERE alert_id = ? AND status = 'cancelled'", [id]) == 1)
            #expect(try rig.alertBody(id)?.resolution == .falseAlarm)
            try await rig.stop()
        }
    }

    @Test func supervisionRepeatsEveryHalfDeadlineUntilTheWorkOrderIsClosed() async throws {
        try await withBroker { broker in
            let t0 = Self.local(10)
            let rig = try await Self.rig(broker, start: t0, configuration: try Self.configuration())
            try rig.device.publish("devices/xingfuli/smoke-1/event", #"{"ts": \#(t0), "event": "smoke_alarm"}"#)
            let found = await Self.firstValue(rig, "SELECT alert_id FROM work_orders")
            let id = try #require(found)
            _ = try await rig.gateway.gateway.alerts.commands.desk.perform(.acknowledge, alertID: id, community: nil, actor: "console-01",
                                                                           note: nil, now: t0 + 10_000)
            // Deadline 30 min: 督办 at 30, 45 and 60 min, each once, each a rung up (then the street again).
            for (minute, count) in [(29, 0), (30, 1), (31, 1), (45, 2), (60, 3)] {
                try await rig.tick(at: t0 + Int64(minute) * 60_000)
                #expect(try rig.gateway.count("SELECT supervisions FROM work_orders WHERE alert_id = ?", [id]) == count, "at \(minute) min")
            }
            #expect(await eventually {
                Set(rig.workOrders.uniqueByKey.filter { $0.path.hasSuffix("/supervise") }.map(\.key))
                    == ["wo:\(id):supervise:1", "wo:\(id):supervise:2", "wo:\(id):supervise:3"]
            })
            #expect(try rig.alertBody(id)?.escalationLevel == .street)
            // The grid system closes it: no more supervision, the alert resolves, nothing is sent back.
            _ = try await rig.gateway.gateway.alerts.workOrders.update(externalID: id, status: .closed, workOrderID: nil, note: "已处置",
                                                                        actor: "wo-system", resolution: .deviceFault, now: t0 + 61 * 60_000)
            #expect(try rig.alertBody(id)?.resolution == .deviceFault)
            try await rig.tick(at: t0 + 90 * 60_000)
            #expect(try rig.gateway.count("SELECT supervisions FROM work_orders WHERE alert_id = ?", [id]) == 3)
            #expect(try rig.gateway.count("SELECT COUNT(*) FROM deliveries WHERE kind IN ('workorder.close', 'workorder.cancel')") == 0)
            try await rig.stop()
        }
    }

    @Test func criticalMessagesGoOutAfterTheLimitAndAFailingRecipientHoldsUpNobody() async throws {
        try await withBroker { broker in
            let t0 = Self.local(10)
            let rig = try await Self.rig(broker, start: t0, configuration: try Self.configuration())
            // Battery low opens and clears five times: 张丽 (all alerts) reaches the hourly limit of 4.
            for index in 0..<5 {
                let ts = t0 + Int64(index) * 1000
                try rig.device.publish("devices/xingfuli/band-1/telemetry", #"{"ts": \#(ts), "metrics": {"battery": 12}}"#)
                try rig.device.publish("devices/xingfuli/band-1/telemetry", #"{"ts": \#(ts + 500), "metrics": {"battery": 80}}"#)
            }
            #expect(await eventually { (try? rig.gateway.count("SELECT COUNT(*) FROM deliveries WHERE state = 'rate_limited'")) ?? 0 > 0 })
            // 张小明's provider is down (his message waits for a retry); the fall still reaches 张丽, over her limit,
            // without waiting for his.
            rig.messages.fail(recipient: "13812341234")
            _ = try await Self.fall(rig, at: t0 + 10_000)
            #expect(await eventually {
                (try? rig.gateway.count("""
                    SELECT COUNT(*) FROM deliveries WHERE kind = 'message.alert' AND recipient = '13998765432' AND state = 'delivered'
                      AND body LIKE '%ELDER_ALERT_V1%' AND alert_id IN (SELECT id FROM alerts WHERE rule = 'elder.fall')
                    """)) == 1
            })
            #expect(await eventually {
                (try? rig.gateway.count("SELECT COUNT(*) FROM deliveries WHERE recipient = '13812341234' AND state = 'pending' AND last_status = 503")) ?? 0 >= 1
            })
            try await rig.stop()
        }
    }

    @Test func quietHoursHoldNonCriticalMessagesForOneMorningDigest() async throws {
        try await withBroker { broker in
            let t0 = Self.local(23, 10)
            let rig = try await Self.rig(broker, start: t0, configuration: try Self.configuration(quietHours: #"{from: "22:00", to: "07:00"}"#))
            try rig.device.publish("devices/xingfuli/band-1/telemetry", #"{"ts": \#(t0), "metrics": {"battery": 12}}"#)
            try rig.device.publish("devices/xingfuli/band-1/telemetry", #"{"ts": \#(t0 + 1000), "metrics": {"battery": 80}}"#)
            #expect(await eventually { (try? rig.gateway.count("SELECT COUNT(*) FROM deliveries WHERE state = 'held'")) == 2 })
            // A fall at night is not held.
            _ = try await Self.fall(rig, at: t0 + 60_000)
            #expect(await eventually { rig.templates(to: "13998765432") == ["ELDER_ALERT_V1"] })
            // 07:00: one digest for the two held messages.
            rig.clock.set(Self.local(7, 0, day: 4))
            rig.gateway.gateway.alerts.host.deliveryBell.ring()
            #expect(await eventually { rig.templates(to: "13998765432").sorted() == ["ELDER_ALERT_V1", "ELDER_DIGEST_V1"] })
            let digest = try #require(rig.messages.uniqueByKey.first { $0.body["template_id"] as? String == "ELDER_DIGEST_V1" })
            #expect((digest.body["params"] as? [String: Any])?["count"] as? String == "2")
            #expect(try rig.gateway.count("SELECT COUNT(*) FROM deliveries WHERE state = 'digested'") == 2)
            try await rig.stop()
        }
    }

    @Test func aRelativeRepliesOneAndTheAlertIsAcknowledgedInTheirMaskedName() async throws {
        try await withBroker { broker in
            let t0 = Self.local(10)
            let rig = try await Self.rig(broker, start: t0, configuration: try Self.configuration(), http: true)
            let id = try await Self.fall(rig, at: t0)
            #expect(await eventually { rig.templates(to: "13812341234") == ["ELDER_ALERT_V1"] })
            let gateway = rig.gateway.gateway
            let port = await eventuallyValue { gateway.httpPort }
            let api = APIClient(base: "http://127.0.0.1:\(try #require(port))", client: .shared)
            let ignored = try await api.send(.POST, "/api/v1/messages/inbound", token: Self.messagingToken,
                                             body: #"{"from": "13812341234", "text": "谁？"}"#)
            #expect(ignored.json["status"] as? String == "ignored")
            let reply = try await api.send(.POST, "/api/v1/messages/inbound", token: Self.messagingToken,
                                           body: #"{"from": "+86 138-1234-1234", "text": " 收到 "}"#)
            #expect(reply.status == 200)
            #expect(reply.json["status"] as? String == "acknowledged")
            #expect(reply.json["actor"] as? String == "relative:138****1234")
            #expect(try rig.alertBody(id)?.acknowledgedBy == "relative:138****1234")
            // The relative knows; the community has not taken it: the ladder goes on.
            #expect(try await rig.tick(at: t0 + 180_000).map(\.kind) == [.escalated])
            let denied = try await api.send(.POST, "/api/v1/messages/inbound", token: "console-secret",
                                            body: #"{"from": "13812341234", "text": "1"}"#)
            #expect(denied.status == 403)
            try await rig.stop()
        }
    }
}
