import AlertRules
import DeviceModel
import Testing

/// The escalation ladder tells people: who is on duty at each rung, reminders after an acknowledgement,
/// work orders kept in step, relatives' critical messages never held back. Pure: planner and engine only.
@Suite("Duty ladder") struct DutyLadderTests {
    static let roster = DutyRoster(
        grids: [Fixture.grid: [
            DutyContact(id: "gw-day", name: "李建国", phone: "13905710101", channels: [.app, .sms], shift: DutyContact.dayShift),
            DutyContact(id: "gw-night", name: "王秀英", phone: "13905710102", channels: [.voice, .sms], shift: DutyContact.nightShift),
        ]],
        communities: [Fixture.community: [DutyContact(id: "c-duty", name: "陈主任", phone: "13905710111", channels: [.voice])]],
        streets: [StreetDuty(id: "wenxin", name: "文新街道", communities: [Fixture.community],
                             contacts: [DutyContact(id: "street-duty", name: "值班室", phone: "13905710900", channels: [.voice, .sms])])]
    )

    static func planner(quietHours: ActiveWindow? = ForwardingPolicy.defaultQuietHours) -> DeliveryPlanner {
        DeliveryPlanner(policy: ForwardingPolicy(workOrders: ["fall": Planner.fallOrder], quietHours: quietHours),
                        calendar: RuleCalendar(), roster: roster)
    }

    static let removed = AlertRule(id: "removed", title: "手环摘下", severity: .warning, appliesTo: [.wristband],
                                   condition: .event(EventMatch(["wearable_removed"]), resolveOn: ["wearable_worn"]))

    static func fallRule(reminderAfter: Int? = nil) -> AlertRule {
        var rule = Rules.fall(escalation: EscalationPolicy(toCommunityAfter: 180, toStreetAfter: 600))
        rule.reminderAfter = reminderAfter
        return rule
    }

    @Test("the 3 a.m. fall: the night grid worker, then community duty, then street duty")
    func threeAM() throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Self.fallRule()], registry: registry)
        let at = Fixture.local("2026-03-03", 3, 0)
        let opened = try #require(engine.receive(Fixture.event("wb-1", "fall_detected", ts: at), now: at).first)
        let toCommunity = try #require(engine.tick(now: at + 180_000).first)
        let toStreet = try #require(engine.tick(now: at + 600_000).first)
        let planner = Self.planner()
        func duty(_ transition: AlertTransition) -> [String] {
            planner.plan(transition, registry: registry).filter { $0.kind == "message.duty" }
                .map { "\($0.notices[0].contact):\($0.notices[0].channel.rawValue)" }.sorted()
        }
        // At night the day worker is off shift: the night worker is called and texted.
        #expect(duty(opened) == ["gw-night:sms", "gw-night:voice"])
        #expect(duty(toCommunity) == ["c-duty:voice"])
        #expect(duty(toStreet) == ["street-duty:sms", "street-duty:voice"])
        let call = try #require(planner.plan(opened, registry: registry).first { $0.body["channel"]?.stringValue == "voice" })
        #expect(call.body["template_id"]?.stringValue == DutyMessageTemplate.alert.rawValue)
        #expect(call.bypassesRateLimit)
        let params = Planner.params(call)
        #expect(params["level"] == "网格")
        #expect(params["who"]?.contains("张*华") == true)
        #expect(!(params["who"] ?? "").contains("张建华"))
        // The street escalation tells the work-order system once, naming the street.
        let update = try #require(planner.plan(toStreet, registry: registry).first { $0.kind == "workorder.escalate" })
        #expect(update.body["street_name"]?.stringValue == "文新街道")
        #expect(update.idempotencyKey == "wo:\(opened.alert.id):escalate:street")
    }

    @Test("by day the grid worker gets the work order in the app and a text")
    func dayWorkerInApp() throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Self.fallRule()], registry: registry)
        let opened = try #require(engine.receive(Fixture.event("wb-1", "fall_detected", ts: Fixture.t0), now: Fixture.t0).first)
        let planned = Self.planner().plan(opened, registry: registry)
        let order = try #require(planned.first { $0.kind == "workorder.create" })
        #expect(order.body["assignees"] == .array([.string("gw-day")]))
        #expect(order.notices.map(\.channel) == [.app])
        #expect(planned.filter { $0.kind == "message.duty" }.map { $0.notices[0].contact } == ["gw-day"])
    }

    @Test("nobody on shift: everyone at that rung is told")
    func gapInTheRota() {
        let roster = DutyRoster(grids: [Fixture.grid: [
            DutyContact(id: "a", name: "甲", phone: "13905710101", channels: [.sms], shift: ActiveWindow(fromMinute: 540, toMinute: 600)),
        ]])
        let (people, onShift) = roster.onDuty(.grid, community: Fixture.community, grid: Fixture.grid,
                                              at: Fixture.local("2026-03-03", 3, 0), calendar: RuleCalendar())
        #expect(people.map(\.id) == ["a"])
        #expect(!onShift)
    }

    @Test("acknowledged is not done: a reminder, then the next rung, then a reminder there")
    func reminderThenEscalation() throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Self.fallRule(reminderAfter: 900)], registry: registry)
        let at = Fixture.t0
        let opened = try #require(engine.receive(Fixture.event("wb-1", "fall_detected", ts: at), now: at).first)
        _ = try engine.acknowledge(opened.alert.id, by: "op-1", note: nil, now: at + 60_000)
        #expect(engine.tick(now: at + 900_000).isEmpty)
        let reminded = try #require(engine.tick(now: at + 960_000).first)
        #expect(reminded.kind == .reminded)
        #expect(reminded.alert.escalationLevel == .grid)
        let reminder = Self.planner().plan(reminded, registry: registry).filter { $0.kind == "message.duty" }
        #expect(reminder.map { $0.body["template_id"]?.stringValue } == [DutyMessageTemplate.reminder.rawValue])
        #expect(Planner.params(reminder[0])["minutes"] == "15")
        let escalated = try #require(engine.tick(now: at + 1_860_000).first)
        #expect(escalated.kind == .escalated)
        #expect(escalated.alert.escalationLevel == .community)
        #expect(escalated.alert.state == .acknowledged)
        #expect(engine.tick(now: at + 2_760_000).map(\.kind) == [.reminded])
    }

    @Test("resolving needs a note and a category; a false alarm cancels the work order")
    func falseAlarmCancels() throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Self.fallRule()], registry: registry)
        let opened = try #require(engine.receive(Fixture.event("wb-1", "fall_detected", ts: Fixture.t0), now: Fixture.t0).first)
        let resolved = try engine.resolve(opened.alert.id, by: "op-1", note: "雷达误报", category: .falseAlarm, now: Fixture.t0 + 60_000)
        #expect(resolved.alert.resolution == .falseAlarm)
        let closure = try #require(Self.planner().plan(resolved, registry: registry).first { $0.target == .workOrder })
        #expect(closure.kind == "workorder.cancel")
        #expect(closure.closesWorkOrderAs == "cancelled")
        #expect(closure.idempotencyKey == "wo:\(opened.alert.id):close")
        #expect(ResolutionCategory(text: "设备故障") == .deviceFault)
        #expect(ResolutionCategory(text: "misc") == nil)
    }

    @Test("a work order closed by the grid system is not closed back")
    func noEcho() throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Self.fallRule()], registry: registry)
        let opened = try #require(engine.receive(Fixture.event("wb-1", "fall_detected", ts: Fixture.t0), now: Fixture.t0).first)
        let resolved = try engine.resolve(opened.alert.id, by: "workorder-system", note: "工单已办结", category: .genuine,
                                          now: Fixture.t0 + 60_000, fromWorkOrderSystem: true)
        #expect(Self.planner().plan(resolved, registry: registry).filter { $0.target == .workOrder }.isEmpty)
    }

    @Test("督办 moves the alert up a rung each time and tells that rung")
    func supervision() throws {
        let registry = try Planner.registry()
        var engine = Planner.engine([Self.fallRule()], registry: registry)
        let opened = try #require(engine.receive(Fixture.event("wb-1", "fall_detected", ts: Fixture.t0), now: Fixture.t0).first)
        _ = try engine.acknowledge(opened.alert.id, by: "op-1", note: nil, now: Fixture.t0 + 10_000)
        let supervisions = [1, 2, 3].compactMap { count in
            engine.supervise(opened.alert.id, count: count, now: Fixture.t0 + 900_000 + Int64(count) * 900_000)
        }
        try #require(supervisions.count == 3)
        let (first, second, third) = (supervisions[0], supervisions[1], supervisions[2])
        #expect([first, second, third].map(\.alert.escalationLevel) == [.community, .street, .street])
        let planner = Self.planner()
        let notices = [first, second, third].map { transition in
            planner.plan(transition, registry: registry).filter { $0.kind == "message.duty" }.map(\.idempotencyKey).sorted()
        }
        #expect(Set(notices.flatMap { $0 }).count == notices.flatMap { $0 }.count)
        #expect(notices[2].allSatisfy { $0.contains("supervised-3") })
        #expect(planner.plan(third, registry: registry).first { $0.kind == "message.duty" }?.body["template_id"]?.stringValue
                == DutyMessageTemplate.supervised.rawValue)
    }

    @Test("relatives: critical messages bypass the limit and quiet hours; the rest wait for the morning")
    func relatives() throws {
        let registry = try Planner.registry()
        let night = Fixture.local("2026-03-03", 23, 30)
        var engine = Planner.engine([Self.fallRule(), Self.removed], registry: registry)
        let fall = try #require(engine.receive(Fixture.event("wb-1", "fall_detected", ts: night), now: night).first)
        let critical = Self.planner().plan(fall, registry: registry).filter { $0.kind == "message.alert" }
        #expect(!critical.isEmpty)
        #expect(critical.allSatisfy { $0.bypassesRateLimit && $0.holdUntil == nil })
        let offline = try #require(engine.receive(Fixture.event("wb-1", "wearable_removed", ts: night + 1000), now: night + 1000).first)
        let held = Self.planner().plan(offline, registry: registry).filter { $0.kind == "message.alert" }
        #expect(!held.isEmpty)
        #expect(held.allSatisfy { !$0.bypassesRateLimit && $0.holdUntil == Fixture.local("2026-03-04", 7, 0) })
        #expect(Self.planner(quietHours: nil).plan(offline, registry: registry).allSatisfy { $0.holdUntil == nil })
    }

    @Test("a digest of held messages fits one SMS segment")
    func digest() {
        let bodies: [[String: JSONValue]] = ["长时间静止不动（疑似倒地）", "心率持续过高", "设备离线", "长时间静止不动（疑似倒地）"].map { event in
            ["recipient": .string("13812341234"), "channel": .string("sms"), "signature": .string("【智慧社区】"),
             "params": .object(["name": .string("欧**华"), "event": .string(event)])]
        }
        let body = RelativeDigest.body(bodies)
        guard case let .object(params)? = body["params"] else {
            Issue.record("no params")
            return
        }
        #expect(params["count"] == .string("4"))
        #expect(params["events"] == .string("长时间静止不动（、心率持续过高等"))
        let text = RelativeMessageTemplate.digest.render(params.compactMapValues(\.stringValue), signature: "【智慧社区】")
        #expect(text.utf16.count <= RelativeMessageTemplate.singleSegmentLength, "\(text)")
    }
}
