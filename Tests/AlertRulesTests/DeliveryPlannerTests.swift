import AlertRules
import DeviceModel
import Testing

/// A registry with Chinese names and a resident `r1` (张建华, building 3, room 501) with two relatives:
/// `[0]` notify critical, sms; `[1]` notify all, sms + wechat.
enum Planner {
    static let communityName = "翠苑一区社区"
    static let address = "浙江省杭州市西湖区文三路翠苑一区"
    static let residentName = "张建华"
    static let criticalPhone = "13957123456"
    static let allPhone = "13812341234"
    static let openID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
    static let signature = "【智慧社区】"

    static func registry(communityName: String = communityName, residentName: String = residentName,
                         building: String = "3") throws -> DeviceRegistry {
        var draft = Fixture.draft()
        draft.communities[0].name = communityName
        draft.communities[0].address = address
        draft.communities[0].street = "翠苑街道"
        var critical = RelativeDraft()
        critical.name = "张小红"
        critical.relation = "女儿"
        critical.phone = criticalPhone
        critical.channels = ["sms"]
        critical.notify = "critical"
        var all = RelativeDraft()
        all.name = "张小明"
        all.relation = "儿子"
        all.phone = allPhone
        all.wechatOpenID = openID
        all.channels = ["sms", "wechat"]
        all.notify = "all"
        let index = try #require(draft.residents.firstIndex { $0.id == Fixture.resident })
        draft.residents[index].name = residentName
        draft.residents[index].building = building
        draft.residents[index].relatives = [critical, all]
        return try RegistryValidator().validate(draft)
    }

    static func engine(_ rules: [AlertRule], registry: DeviceRegistry, startedAt: Int64 = Fixture.t0) -> AlertEngine {
        AlertEngine(ruleBook: Fixture.ruleBook(rules), registry: registry, state: EngineState(startedAt: startedAt))
    }

    static let smoke = AlertRule(
        id: "smoke", title: "烟雾报警", severity: .critical, appliesTo: [.smokeSensor],
        condition: .event(EventMatch(["smoke_alarm"]), resolveOn: ["smoke_clear"])
    )

    static let fallOrder = WorkOrderPolicy(categoryCode: "0305", category: "独居老人跌倒", urgency: .critical, deadlineSeconds: 1800)

    static func planner(workOrders: [String: WorkOrderPolicy] = [:]) -> DeliveryPlanner {
        DeliveryPlanner(policy: ForwardingPolicy(workOrders: workOrders), calendar: RuleCalendar())
    }

    /// Every string and number in a JSON value, flattened (keys included).
    static func strings(_ value: JSONValue) -> [String] {
        switch value {
        case .null: []
        case let .bool(bool): [String(bool)]
        case let .number(number): [String(number)]
        case let .integer(number): [String(number)]
        case let .string(string): [string]
        case let .array(array): array.flatMap(strings)
        case let .object(object): object.flatMap { [$0.key] + strings($0.value) }
        }
    }

    static func params(_ delivery: PlannedDelivery) -> [String: String] {
        guard case let .object(object) = delivery.body["params"] else { return [:] }
        return object.compactMapValues(\.stringValue)
    }
}

@Suite("DeliveryPlanner: relatives' messages")
struct DeliveryPlannerMessageTests {
    @Test("an opened critical alert messages every relative on every channel")
    func openedCritical() throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Rules.fall()], registry: registry)
        let opened = try #require(engine.receive(Fixture.event("wb-1", "fall_detected", ts: Fixture.t0), now: Fixture.t0).first)
        #expect(opened.kind == .opened)
        #expect(opened.alert.severity == .critical)

        let deliveries = Planner.planner().plan(opened, registry: registry)
        #expect(deliveries.count == 3)
        #expect(deliveries.allSatisfy { $0.target == .message && $0.kind == "message.alert" && $0.workOrder == nil })
        #expect(deliveries.allSatisfy { $0.alertID == opened.alert.id })
        let pairs = deliveries.map { "\($0.body["channel"]?.stringValue ?? "?"):\($0.recipient ?? "?")" }
        #expect(Set(pairs) == ["sms:\(Planner.criticalPhone)", "sms:\(Planner.allPhone)", "wechat:\(Planner.openID)"])
        for delivery in deliveries {
            #expect(delivery.body["recipient"]?.stringValue == delivery.recipient)
            #expect(delivery.body["template_id"]?.stringValue == "ELDER_ALERT_V1")
            #expect(delivery.body["signature"]?.stringValue == Planner.signature)
            #expect(Set(delivery.body.keys) == ["recipient", "channel", "template_id", "params", "signature"])
            let params = Planner.params(delivery)
            #expect(params["name"] == "张*华")
            #expect(params["place"] == "翠苑一区社区3幢")
            #expect(params["time"] == "03-02 10:00")
            #expect(params["event"] == "跌倒报警")
            #expect(params["level"] == nil)
            let text = RelativeMessageTemplate.alert.render(params, signature: Planner.signature)
            #expect(text == "【智慧社区】您的家人张*华（翠苑一区社区3幢）03-02 10:00触发跌倒报警，社区已在处理，请尽快联系确认。")
        }
    }

    @Test("messages carry no full name, room or reading")
    func noPersonalOrHealthData() throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Rules.fall(), Rules.heartRateHigh(severity: .critical)], registry: registry)
        var transitions = engine.receive(Fixture.event("wb-1", "fall_detected", ["confidence": .number(0.97)], ts: Fixture.t0),
                                         now: Fixture.t0)
        transitions += engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 137], ts: Fixture.t0 + 1000), now: Fixture.t0 + 1000)
        transitions += engine.tick(now: Fixture.t0 + 300_000)
        transitions += engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 80], ts: Fixture.t0 + 400_000), now: Fixture.t0 + 400_000)
        #expect(transitions.kinds.contains(.opened))
        #expect(transitions.kinds.contains(.escalated))
        #expect(transitions.kinds.contains(.resolved))
        var checked = 0
        for transition in transitions {
            for delivery in Planner.planner().plan(transition, registry: registry) {
                checked += 1
                let texts = Planner.strings(.object(delivery.body))
                let joined = texts.joined(separator: "|")
                #expect(!joined.contains(Planner.residentName))
                #expect(!joined.contains("501"))
                #expect(!joined.contains("单元"))
                #expect(!joined.contains("室"))
                #expect(!joined.contains("137"))
                #expect(!joined.contains("heart_rate"))
                #expect(!joined.contains("fall_detected"))
                #expect(!joined.contains("0.97"))
                #expect(!joined.contains("wb-1"))
                #expect(delivery.body["reading"] == nil)
            }
        }
        #expect(checked > 0)
    }

    @Test("idempotency keys are unique and stable")
    func keys() throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Rules.fall()], registry: registry)
        var transitions = engine.receive(Fixture.event("wb-1", "fall_detected", ts: Fixture.t0), now: Fixture.t0)
        transitions += engine.tick(now: Fixture.t0 + 300_000)
        transitions += engine.tick(now: Fixture.t0 + 900_000)
        let id = try #require(transitions.first?.alert.id)
        transitions.append(try engine.resolve(id, by: "op-1", note: "家属已到场", category: .genuine, now: Fixture.t0 + 1_000_000))
        #expect(transitions.kinds == [.opened, .escalated, .escalated, .resolved])

        let planner = Planner.planner()
        var all: [String] = []
        for transition in transitions {
            let first = planner.plan(transition, registry: registry)
            let second = planner.plan(transition, registry: registry)
            #expect(first.count == 3)
            #expect(first.map(\.idempotencyKey) == second.map(\.idempotencyKey))
            #expect(first == second)
            // A planner built separately agrees: nothing depends on instance state.
            #expect(Planner.planner().plan(transition, registry: registry).map(\.idempotencyKey) == first.map(\.idempotencyKey))
            all += first.map(\.idempotencyKey)
        }
        #expect(all.count == 12)
        #expect(Set(all).count == all.count)
        #expect(all.allSatisfy { $0.contains(id) })
    }

    @Test("an opened warning alert only reaches the relative who wants every alert")
    func openedWarning() throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Rules.heartRateHigh()], registry: registry)
        let opened = try #require(engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 131], ts: Fixture.t0), now: Fixture.t0).first)
        #expect(opened.kind == .opened)
        #expect(opened.alert.severity == .warning)
        let deliveries = Planner.planner().plan(opened, registry: registry)
        #expect(deliveries.count == 2)
        #expect(Set(deliveries.compactMap(\.recipient)) == [Planner.allPhone, Planner.openID])
        #expect(Set(deliveries.compactMap { $0.body["channel"]?.stringValue }) == ["sms", "wechat"])
        #expect(deliveries.allSatisfy { $0.body["template_id"]?.stringValue == "ELDER_ALERT_V1" })
        #expect(deliveries.allSatisfy { Planner.params($0)["event"] == "心率过高" })

        // Its resolution goes to the same relative only.
        let resolved = try #require(engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 90], ts: Fixture.t0 + 60_000),
                                                   now: Fixture.t0 + 60_000).first)
        #expect(resolved.kind == .resolved)
        let closing = Planner.planner().plan(resolved, registry: registry)
        #expect(Set(closing.compactMap(\.recipient)) == [Planner.allPhone, Planner.openID])
        #expect(closing.allSatisfy { $0.body["template_id"]?.stringValue == "ELDER_RESOLVED_V1" })
    }

    @Test("a major alert is not critical either")
    func openedMajor() throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Rules.spo2Low()], registry: registry)
        let opened = try #require(engine.receive(Fixture.telemetry("wb-1", ["spo2": 85], ts: Fixture.t0), now: Fixture.t0).first)
        #expect(opened.alert.severity == .major)
        let deliveries = Planner.planner().plan(opened, registry: registry)
        #expect(Set(deliveries.compactMap(\.recipient)) == [Planner.allPhone, Planner.openID])
    }

    @Test("updates and acknowledgements send nothing")
    func updatedAndAcknowledged() throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Rules.fall()], registry: registry)
        let opened = try #require(engine.receive(Fixture.event("wb-1", "fall_detected", ts: Fixture.t0), now: Fixture.t0).first)
        let updated = try #require(engine.receive(Fixture.event("wb-1", "fall_detected", ts: Fixture.t0 + 5000),
                                                  now: Fixture.t0 + 5000).first)
        #expect(updated.kind == .updated)
        let acknowledged = try engine.acknowledge(opened.alert.id, by: "op-1", note: "已电话联系", now: Fixture.t0 + 10_000)
        #expect(acknowledged.kind == .acknowledged)
        let planner = Planner.planner(workOrders: ["fall": Planner.fallOrder])
        #expect(planner.plan(updated, registry: registry).isEmpty)
        #expect(planner.plan(acknowledged, registry: registry).isEmpty)
    }

    @Test("escalation tells relatives which level follows it up")
    func escalated() throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Rules.fall()], registry: registry)
        _ = engine.receive(Fixture.event("wb-1", "fall_detected", ts: Fixture.t0), now: Fixture.t0)
        let toCommunity = try #require(engine.tick(now: Fixture.t0 + 300_000).first)
        let toStreet = try #require(engine.tick(now: Fixture.t0 + 900_000).first)
        #expect(toCommunity.kind == .escalated)
        #expect(toCommunity.alert.escalationLevel == .community)
        #expect(toStreet.kind == .escalated)
        #expect(toStreet.alert.escalationLevel == .street)

        let planner = Planner.planner(workOrders: ["fall": Planner.fallOrder])
        let community = planner.plan(toCommunity, registry: registry).filter { $0.target == .message }
        let street = planner.plan(toStreet, registry: registry).filter { $0.target == .message }
        #expect(community.count == 3)
        #expect(street.count == 3)
        // The work-order system is told of each level once.
        #expect(planner.plan(toCommunity, registry: registry).filter { $0.target == .workOrder }.map(\.idempotencyKey)
                == ["wo:\(toCommunity.alert.id):escalate:community"])
        for (deliveries, level) in [(community, "社区"), (street, "街道")] {
            #expect(deliveries.allSatisfy { $0.target == .message })
            #expect(deliveries.allSatisfy { $0.kind == "message.escalated" })
            #expect(deliveries.allSatisfy { $0.body["template_id"]?.stringValue == "ELDER_ESCALATED_V1" })
            for delivery in deliveries {
                let params = Planner.params(delivery)
                #expect(params["level"] == level)
                let text = RelativeMessageTemplate.escalated.render(params, signature: Planner.signature)
                #expect(text == "【智慧社区】张*华（翠苑一区社区3幢）的跌倒报警尚未处理完毕，已升级由\(level)跟进，请留意来电。")
            }
        }
        #expect(Set(community.map(\.idempotencyKey)).isDisjoint(with: street.map(\.idempotencyKey)))
    }

    @Test("resolution uses the resolved template with the time of resolution")
    func resolved() throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Rules.fall()], registry: registry)
        let opened = try #require(engine.receive(Fixture.event("wb-1", "fall_detected", ts: Fixture.t0), now: Fixture.t0).first)
        let at = Fixture.local("2026-03-02", 11, 47)
        let resolved = try engine.resolve(opened.alert.id, by: "op-1", note: "老人无碍", category: .genuine, now: at)
        let planned = Planner.planner(workOrders: ["fall": Planner.fallOrder]).plan(resolved, registry: registry)
        // Its work order is closed (a genuine alarm), under one key whatever the outcome.
        let closure = planned.filter { $0.target == .workOrder }
        #expect(closure.map(\.kind) == ["workorder.close"])
        #expect(closure.first?.path == "/\(opened.alert.id)/close")
        #expect(closure.first?.body["resolution_label"]?.stringValue == "真实警情")
        let deliveries = planned.filter { $0.target == .message }
        #expect(deliveries.count == 3)
        #expect(deliveries.allSatisfy { $0.target == .message && $0.kind == "message.resolved" })
        #expect(deliveries.allSatisfy { $0.body["template_id"]?.stringValue == "ELDER_RESOLVED_V1" })
        #expect(deliveries.allSatisfy { Planner.params($0)["time"] == "03-02 11:47" })
        #expect(deliveries.allSatisfy { Planner.params($0)["name"] == "张*华" })
        let openedKeys = Set(Planner.planner().plan(opened, registry: registry).map(\.idempotencyKey))
        #expect(openedKeys.isDisjoint(with: deliveries.map(\.idempotencyKey)))
    }

    @Test("local time is MM-dd HH:mm at +08:00", arguments: [
        (Fixture.local("2026-11-23", 14, 5), "11-23 14:05"),
        (Fixture.local("2026-03-03", 2, 7), "03-03 02:07"), // still 03-02 in UTC
        (Fixture.local("2027-01-01", 0, 0), "01-01 00:00"),
        (Fixture.local("2026-12-31", 23, 59, 59), "12-31 23:59"),
        (Fixture.local("2028-02-29", 8, 30), "02-29 08:30"),
    ])
    func localTime(_ at: Int64, _ expected: String) throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Rules.fall()], registry: registry, startedAt: at)
        let opened = try #require(engine.receive(Fixture.event("wb-1", "fall_detected", ts: at), now: at).first)
        let deliveries = Planner.planner().plan(opened, registry: registry)
        #expect(!deliveries.isEmpty)
        #expect(deliveries.allSatisfy { Planner.params($0)["time"] == expected })
    }

    @Test("worst-case names, places and titles still fit one SMS segment")
    func worstCaseLength() throws {
        let registry = try Planner.registry(communityName: "杭州市西湖区翠苑街道翠苑一区社区", residentName: "欧阳建华", building: "11")
        let rule = AlertRule(
            id: "still", title: "长时间静止不动（疑似倒地）", severity: .critical, appliesTo: [.wristband],
            condition: .event(EventMatch(["no_motion"]), resolveOn: ["motion"])
        )
        var engine = Planner.engine([rule], registry: registry)
        let at = Fixture.local("2026-11-23", 14, 5)
        var transitions = engine.receive(Fixture.event("wb-1", "no_motion", ts: at), now: at)
        transitions += engine.tick(now: at + 300_000)
        transitions += engine.tick(now: at + 900_000)
        transitions += engine.receive(Fixture.event("wb-1", "motion", ts: at + 1_000_000), now: at + 1_000_000)
        #expect(transitions.kinds == [.opened, .escalated, .escalated, .resolved])
        var seen: Set<String> = []
        for transition in transitions {
            for delivery in Planner.planner().plan(transition, registry: registry) {
                let params = Planner.params(delivery)
                #expect(params["name"] == "欧**华")
                #expect(params["place"] == "杭州市西湖区翠苑11幢")
                #expect(params["event"] == "长时间静止不动（疑似倒地")
                let template = try #require(RelativeMessageTemplate(rawValue: delivery.body["template_id"]?.stringValue ?? ""))
                seen.insert(template.rawValue)
                let text = template.render(params, signature: delivery.body["signature"]?.stringValue ?? "")
                #expect(!text.contains("{"))
                #expect(text.utf16.count <= RelativeMessageTemplate.singleSegmentLength, "\(text.utf16.count): \(text)")
            }
        }
        #expect(seen == Set(RelativeMessageTemplate.allCases.filter { $0 != .digest }.map(\.rawValue)))
    }

    @Test("alerts on devices without a resident message nobody")
    func noResident() throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Planner.smoke], registry: registry)
        var transitions = engine.receive(Fixture.event("smoke-3", "smoke_alarm", ts: Fixture.t0), now: Fixture.t0)
        transitions += engine.tick(now: Fixture.t0 + 300_000)
        transitions += engine.receive(Fixture.event("smoke-3", "smoke_clear", ts: Fixture.t0 + 400_000), now: Fixture.t0 + 400_000)
        #expect(transitions.kinds == [.opened, .escalated, .resolved])
        #expect(transitions.allSatisfy { $0.alert.resident == nil })
        for transition in transitions {
            #expect(Planner.planner().plan(transition, registry: registry).isEmpty)
        }
    }

    @Test("an unknown resident id messages nobody")
    func unknownResident() throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Rules.fall()], registry: registry)
        var opened = try #require(engine.receive(Fixture.event("wb-1", "fall_detected", ts: Fixture.t0), now: Fixture.t0).first)
        opened.alert.resident = "gone"
        #expect(Planner.planner().plan(opened, registry: registry).isEmpty)
    }

    @Test("the other resident's relative is not told")
    func otherResident() throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Rules.fall()], registry: registry)
        let opened = try #require(engine.receive(Fixture.event("wb-2", "fall_detected", ts: Fixture.t0), now: Fixture.t0).first)
        let deliveries = Planner.planner().plan(opened, registry: registry)
        // r2 keeps the fixture's single relative (sms, notify critical by default).
        #expect(deliveries.compactMap(\.recipient) == ["13957123456"])
        #expect(deliveries.allSatisfy { $0.idempotencyKey.contains(":\(Fixture.otherResident):") })
        #expect(Planner.params(deliveries[0])["name"] == "R*********2") // "Resident r2"
    }
}

@Suite("DeliveryPlanner: work orders")
struct DeliveryPlannerWorkOrderTests {
    @Test("an opened alert with a work-order policy creates exactly one work order")
    func workOrder() throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Rules.fall()], registry: registry)
        let opened = try #require(engine.receive(Fixture.event("wb-1", "fall_detected", ts: Fixture.t0 - 2000), now: Fixture.t0).first)
        #expect(opened.alert.openedAt == Fixture.local("2026-03-02", 10))
        let id = opened.alert.id

        let deliveries = Planner.planner(workOrders: ["fall": Planner.fallOrder]).plan(opened, registry: registry)
        let orders = deliveries.filter { $0.target == .workOrder }
        #expect(orders.count == 1)
        #expect(deliveries.filter { $0.target == .message }.count == 3)
        let order = try #require(orders.first)
        #expect(order.kind == "workorder.create")
        #expect(order.idempotencyKey == "wo:\(id):create")
        #expect(order.alertID == id)
        #expect(order.recipient == nil)

        let body = order.body
        #expect(body["external_id"]?.stringValue == id)
        #expect(body["category_code"]?.stringValue == "0305")
        #expect(body["category"]?.stringValue == "独居老人跌倒")
        #expect(body["urgency"]?.stringValue == "critical")
        #expect(body["severity"]?.stringValue == "critical")
        #expect(body["grid_code"]?.stringValue == Fixture.grid)
        #expect(body["community"]?.stringValue == Fixture.community)
        #expect(body["community_name"]?.stringValue == Planner.communityName)
        #expect(body["street"]?.stringValue == "翠苑街道")
        #expect(body["reported_at"]?.stringValue == "2026-03-02T10:00:00+08:00")
        #expect(body["deadline"]?.stringValue == "2026-03-02T10:30:00+08:00")
        #expect(body["title"]?.stringValue == "\(Planner.communityName) 跌倒报警")

        guard case let .object(location) = body["location"] else {
            Issue.record("location is not an object")
            return
        }
        let address = try #require(location["address"]?.stringValue)
        #expect(address.contains(Planner.address))
        #expect(address == "\(Planner.address)3幢2单元501室")
        #expect(location["building"]?.stringValue == "3")
        #expect(location["room"]?.stringValue == "501")

        guard case let .object(device) = body["device"] else {
            Issue.record("device is not an object")
            return
        }
        #expect(device["id"]?.stringValue == "wb-1")
        #expect(device["type"]?.stringValue == "wristband")

        let description = try #require(body["description"]?.stringValue)
        #expect(description.contains("张*华"))
        #expect(!description.contains(Planner.residentName))
        #expect(description.contains("跌倒报警"))
        #expect(description.contains("独居老人"))
        #expect(description.contains("30分钟"))
        #expect(description.unicodeScalars.contains { $0.value >= 0x4E00 && $0.value <= 0x9FFF })
        #expect(!Planner.strings(.object(body)).joined(separator: "|").contains(Planner.residentName))

        let tuple = try #require(order.workOrder)
        #expect(tuple.community == Fixture.community)
        #expect(tuple.category == "独居老人跌倒")
        #expect(tuple.deadlineAt == Fixture.t0 + 1_800_000)

        // Stable across replays.
        let again = Planner.planner(workOrders: ["fall": Planner.fallOrder]).plan(opened, registry: registry)
        #expect(again.map(\.idempotencyKey) == deliveries.map(\.idempotencyKey))
        #expect(again == deliveries)
    }

    @Test("deadline and report time in ISO 8601 at +08:00", arguments: [
        (Fixture.local("2026-03-02", 10), 1800, "2026-03-02T10:00:00+08:00", "2026-03-02T10:30:00+08:00"),
        (Fixture.local("2026-03-02", 23, 50), 1800, "2026-03-02T23:50:00+08:00", "2026-03-03T00:20:00+08:00"),
        (Fixture.local("2026-12-31", 23, 45, 7), 1800, "2026-12-31T23:45:07+08:00", "2027-01-01T00:15:07+08:00"),
        (Fixture.local("2026-03-03", 3, 0), 86_400, "2026-03-03T03:00:00+08:00", "2026-03-04T03:00:00+08:00"),
        (Fixture.local("2028-02-28", 12, 0), 2 * 86_400, "2028-02-28T12:00:00+08:00", "2028-03-01T12:00:00+08:00"),
    ])
    func isoTimes(_ at: Int64, _ deadlineSeconds: Int, _ reported: String, _ deadline: String) throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Rules.fall()], registry: registry, startedAt: at)
        let opened = try #require(engine.receive(Fixture.event("wb-1", "fall_detected", ts: at), now: at).first)
        let policy = WorkOrderPolicy(categoryCode: "0305", category: "独居老人跌倒", urgency: .urgent, deadlineSeconds: deadlineSeconds)
        let order = try #require(Planner.planner(workOrders: ["fall": policy]).plan(opened, registry: registry)
            .first { $0.target == .workOrder })
        #expect(order.body["reported_at"]?.stringValue == reported)
        #expect(order.body["deadline"]?.stringValue == deadline)
        #expect(order.body["urgency"]?.stringValue == "urgent")
        #expect(order.workOrder?.deadlineAt == at + Int64(deadlineSeconds) * 1000)
    }

    @Test("deadline wording in the description", arguments: [(1800, "30分钟"), (7200, "2小时"), (86_400, "1天"), (90, "1分钟")])
    func deadlineWording(_ seconds: Int, _ text: String) throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Rules.fall()], registry: registry)
        let opened = try #require(engine.receive(Fixture.event("wb-1", "fall_detected", ts: Fixture.t0), now: Fixture.t0).first)
        let policy = WorkOrderPolicy(categoryCode: "0305", category: "独居老人跌倒", urgency: .normal, deadlineSeconds: seconds)
        let order = try #require(Planner.planner(workOrders: ["fall": policy]).plan(opened, registry: registry).first)
        #expect(order.target == .workOrder)
        #expect(order.body["description"]?.stringValue?.contains("请在\(text)内处置") == true)
    }

    @Test("a work order is created only on opening; later transitions update it")
    func onlyOnOpening() throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Rules.fall()], registry: registry)
        let opened = try #require(engine.receive(Fixture.event("wb-1", "fall_detected", ts: Fixture.t0), now: Fixture.t0).first)
        var later = engine.receive(Fixture.event("wb-1", "fall_detected", ts: Fixture.t0 + 1000), now: Fixture.t0 + 1000)
        later += engine.tick(now: Fixture.t0 + 300_000)
        later.append(try engine.acknowledge(opened.alert.id, by: "op-1", note: nil, now: Fixture.t0 + 400_000))
        later.append(try engine.resolve(opened.alert.id, by: "op-1", note: "已处置", category: .genuine, now: Fixture.t0 + 500_000))
        #expect(later.kinds == [.updated, .escalated, .acknowledged, .resolved])
        let planner = Planner.planner(workOrders: ["fall": Planner.fallOrder])
        for transition in later {
            let deliveries = planner.plan(transition, registry: registry)
            #expect(deliveries.allSatisfy { $0.workOrder == nil }, "\(transition.kind)")
            let updates = deliveries.filter { $0.target == .workOrder }.map(\.kind)
            switch transition.kind {
            case .escalated: #expect(updates == ["workorder.escalate"])
            case .resolved: #expect(updates == ["workorder.close"])
            default: #expect(updates.isEmpty, "\(transition.kind)")
            }
        }
    }

    @Test("no work order for rules without a policy")
    func noPolicy() throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Rules.fall(), Rules.heartRateHigh()], registry: registry)
        let opened = try #require(engine.receive(Fixture.telemetry("wb-1", ["heart_rate": 131], ts: Fixture.t0), now: Fixture.t0).first)
        #expect(opened.alert.rule == "hr_high")
        let deliveries = Planner.planner(workOrders: ["fall": Planner.fallOrder]).plan(opened, registry: registry)
        #expect(!deliveries.isEmpty)
        #expect(deliveries.allSatisfy { $0.target == .message })

        let fall = try #require(engine.receive(Fixture.event("wb-1", "fall_detected", ts: Fixture.t0), now: Fixture.t0).first)
        #expect(Planner.planner().plan(fall, registry: registry).allSatisfy { $0.target == .message })
    }

    @Test("a device without a resident gets a work order and no messages")
    func smokeWorkOrder() throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Planner.smoke], registry: registry)
        let opened = try #require(engine.receive(Fixture.event("smoke-4", "smoke_alarm", ts: Fixture.t0), now: Fixture.t0).first)
        let policy = WorkOrderPolicy(categoryCode: "0201", category: "火灾隐患", urgency: .critical, deadlineSeconds: 600)
        let deliveries = Planner.planner(workOrders: ["smoke": policy]).plan(opened, registry: registry)
        #expect(deliveries.count == 1)
        let order = try #require(deliveries.first)
        #expect(order.target == .workOrder)
        #expect(order.idempotencyKey == "wo:\(opened.alert.id):create")
        let description = try #require(order.body["description"]?.stringValue)
        #expect(description.contains("烟雾报警"))
        #expect(!description.contains("老人"))
        #expect(description.contains("10分钟"))
        guard case let .object(location) = order.body["location"] else {
            Issue.record("location is not an object")
            return
        }
        #expect(location["address"]?.stringValue?.hasPrefix(Planner.address) == true)
        #expect(location["address"]?.stringValue?.contains("4幢") == true)
        #expect(order.body["deadline"]?.stringValue == "2026-03-02T10:10:00+08:00")
    }
}
