import AlertRules
import DeviceModel
import Foundation
import GRDB
import NIOHTTP1
import Testing
@testable import GatewayRuntime

/// The governance report on a deterministic month written through the real schema (``ReportFixtureMonth``):
/// exact figures, the month-on-month comparison, the three formats, and refused input on the CLI and over HTTP.
@Suite(.serialized) struct ReportTests {
    static let sample = GatewayDaemon.repositoryRoot.appendingPathComponent("devices.yaml").path
    static let h = 3600.0

    static func fixture() throws -> (ReportFixtureMonth, GatewayConfiguration, URL) {
        let directory = try TemporaryDirectory.make(prefix: "report")
        let configuration = try RegistryLoader.loadConfiguration(path: sample)
        return (try ReportFixtureMonth.make(in: directory), configuration, directory)
    }

    static func november(_ scope: (community: String?, street: String?) = (nil, nil)) async throws -> GovernanceReport {
        let (fixture, configuration, _) = try fixture()
        return try await GovernanceReports(database: fixture.database, configuration: configuration)
            .report(.init(from: "2026-11-01", to: "2026-12-01", community: scope.community, street: scope.street), now: 0)
    }

    @Test func theFixtureAlertsAreRealAlertJSON() throws {
        let (fixture, _, _) = try Self.fixture()
        let bodies = try fixture.database.read { db in try String.fetchAll(db, sql: "SELECT body FROM alerts ORDER BY id") }
        #expect(bodies.count == 10)
        for body in bodies { _ = try JSONDecoder().decode(Alert.self, from: Data(body.utf8)) }
    }

    @Test func deviceFigures() async throws {
        let report = try await Self.november()
        let registry = try RegistryLoader.loadConfiguration(path: Self.sample).registry
        let registered = registry.devices.values.count { $0.state != .decommissioned }
        let devices = report.current.devices
        #expect(devices.registered == registered)
        #expect(devices.neverSeen == registered - 5)
        #expect(devices.neverSeenDevices.contains("xf-0602-band") && !devices.neverSeenDevices.contains("xf-0301-band"))
        // 720 h × 4 devices seen all month + 360 h of the facade camera (first seen on day 15); 8 h + 12 h offline.
        #expect(devices.online.devices == 5)
        #expect(devices.online.deviceHours == 3240)
        #expect(devices.online.offlineHours == 20)
        #expect(devices.online.onlineRate == 1 - 20.0 / 3240)
        let family = Dictionary(uniqueKeysWithValues: devices.onlineByFamily.map { ($0.key, $0) })
        #expect(family["elderly_care"]?.onlineRate == 1 - 8.0 / 1440)
        #expect(family["access_control"]?.onlineRate == 1 - 12.0 / 720)
        #expect(family["public_safety"]?.onlineRate == 1)
        let community = Dictionary(uniqueKeysWithValues: devices.onlineByCommunity.map { ($0.key, $0) })
        #expect(community["xingfuli"]?.deviceHours == 2520 && community["xingfuli"]?.offlineHours == 20)
        #expect(community["cuiyuan1"]?.onlineRate == 1)
        #expect(devices.sharpEyesVideo.devices == 2 && devices.sharpEyesVideo.onlineRate == 1 - 12.0 / 1080)
        #expect(devices.batteryLowDays == 4 && devices.batteryLowDevices == 2)
        #expect(devices.inMaintenance == 1)
        // October: the north camera's 48 h offline of 1,920 device-hours; B0's day.
        #expect(report.previous.devices.online.onlineRate == 1 - 48.0 / 1968)
        #expect(report.previous.devices.batteryLowDays == 1)
    }

    @Test func alertFigures() async throws {
        let report = try await Self.november()
        let alerts = report.current.alerts
        #expect(alerts.total == 8)
        #expect(alerts.mtta == DurationStats(count: 4, medianSeconds: 180, p90Seconds: 1200))
        #expect(alerts.mttr == DurationStats(count: 7, medianSeconds: 3600, p90Seconds: 108_000))
        #expect(alerts.ackDistribution.map(\.count) == [2, 1, 1, 0, 0, 0, 0])
        #expect(alerts.resolveDistribution.map(\.count) == [0, 0, 1, 2, 2, 1, 1])
        #expect(alerts.escalatedToCommunity == 2 && alerts.escalatedToStreet == 1)
        #expect(alerts.escalatedToCommunityShare == 2.0 / 8 && alerts.escalatedToStreetShare == 1.0 / 8)
        #expect(alerts.resolved == 7 && alerts.resolvedAtGrid == 5 && alerts.resolvedAtGridShare == 5.0 / 7)
        #expect(Dictionary(uniqueKeysWithValues: alerts.categories.map { ($0.key, $0.count) })
            == ["genuine": 1, "false_alarm": 2, "device_fault": 1, "test": 0, "auto": 3])
        #expect(alerts.falseAlarmRate == 0.5)
        let rules = Dictionary(uniqueKeysWithValues: alerts.falseAlarmsByRule.map { ($0.key, $0) })
        #expect(rules["elder.fall"].map { [$0.alerts, $0.categorised, $0.falseAlarms] } == [2, 2, 1])
        #expect(rules["safety.smoke"]?.falseAlarmRate == 1)
        #expect(rules["access.door_forced"]?.falseAlarmRate == 0)
        #expect(rules["device.offline"]?.falseAlarmRate == nil)
        let titles = try RegistryLoader.loadConfiguration(path: Self.sample).ruleBook.rule("elder.fall")?.title
        #expect(rules["elder.fall"]?.label == titles)
        #expect(alerts.noisiestDevices.map(\.key) == ["xf-0301-band", "xf-b3-smoke-stair", "cy-0204-band", "cy-b2u3-door"])
        #expect(alerts.noisiestDevices.first.map { [$0.alerts, $0.categorised, $0.falseAlarms] } == [3, 2, 1])
        #expect(alerts.noisiestDevices.first?.label == "幸福里社区 3幢 501室")
        #expect(Dictionary(uniqueKeysWithValues: alerts.bySeverity.map { ($0.key, $0.count) }) == ["critical": 5, "major": 1, "warning": 2])
        #expect(alerts.bySeverity.map(\.key) == ["critical", "major", "warning"])
        #expect(Dictionary(uniqueKeysWithValues: alerts.byCommunity.map { ($0.key, $0.count) }) == ["xingfuli": 5, "cuiyuan1": 3])
        #expect(Dictionary(uniqueKeysWithValues: alerts.byBuilding.map { ($0.key, $0.count) }) == ["xingfuli/3": 5, "cuiyuan1/2": 3])
        #expect(alerts.perDay.count == 30 && alerts.perDay.map(\.count).reduce(0, +) == 8)
        #expect([1, 2, 3, 5, 6, 10, 29].map { alerts.perDay[$0].count } == [1, 2, 1, 1, 1, 1, 1])
        #expect(alerts.perDay[29].key == "2026-11-30")
        // October: P1 and B0.
        #expect(report.previous.alerts.total == 2)
        #expect(report.previous.alerts.mtta.medianSeconds == 120 && report.previous.alerts.mttr.medianSeconds == 600)
    }

    @Test func workOrderAndElderCareFigures() async throws {
        let report = try await Self.november()
        let orders = report.current.workOrders
        let counts: [Int] = [orders.dispatched, orders.closed, orders.closedOnTime, orders.cancelled, orders.overdue, orders.supervisions]
        #expect(counts == [5, 2, 1, 1, 2, 2])
        #expect(orders.closeRate == 0.5 && orders.onTimeRate == 0.5)
        #expect(orders.timeToClose == DurationStats(count: 2, medianSeconds: 1200, p90Seconds: 10_800))
        let community = Dictionary(uniqueKeysWithValues: orders.byCommunity.map { ($0.key, $0) })
        #expect(community["xingfuli"].map { [$0.dispatched, $0.closed, $0.closedOnTime] } == [3, 1, 1])
        #expect(community["cuiyuan1"].map { [$0.dispatched, $0.closed, $0.closedOnTime] } == [2, 1, 0])
        #expect(community["cuiyuan1"]?.onTimeRate == 0)
        #expect(report.previous.workOrders.dispatched == 0 && report.previous.workOrders.onTimeRate == nil)

        let care = report.current.elderCare
        #expect(care.residentsMonitored == 5)
        #expect(care.alerts == 5 && care.residentsWithAlerts == 2 && care.alertsPerResident == 1)
        #expect(care.relativeMessages == 6 && care.delivered == 4 && care.notDelivered == 1)
        #expect(care.relativesNotified == 2 && care.deliverySuccess == 0.8)
        #expect(care.timeToFirstMessage == DurationStats(count: 2, medianSeconds: 30, p90Seconds: 90))
        #expect(report.previous.elderCare.alerts == 2)
    }

    @Test func headlinesCompareWithThePeriodBefore() async throws {
        let report = try await Self.november()
        #expect(report.previousPeriod.from == "2026-10-01" && report.previousPeriod.to == "2026-11-01")
        let headlines = Dictionary(uniqueKeysWithValues: report.headlines.map { ($0.key, $0) })
        #expect(headlines["alerts.total"].map { [$0.value, $0.previous, $0.change] } == [8, 2, 6])
        #expect(headlines["alerts.mtta_median"].map { [$0.value, $0.previous, $0.change] } == [180, 120, 60])
        #expect(headlines["devices.online_rate"]?.change == (1 - 20.0 / 3240) - (1 - 48.0 / 1968))
        #expect(headlines["work_orders.on_time_rate"].map { [$0.value, $0.previous] } == [0.5, nil])
        #expect(headlines["work_orders.on_time_rate"]?.change == nil)
    }

    @Test func aCommunityAndAStreetNarrowTheFigures() async throws {
        let cuiyuan = try await Self.november((community: "cuiyuan1", street: nil))
        #expect(cuiyuan.current.alerts.total == 3 && cuiyuan.current.workOrders.dispatched == 2)
        #expect(cuiyuan.current.devices.online.devices == 1)
        let wenxin = try await Self.november((community: nil, street: "wenxin"))
        #expect(wenxin.scope.communities == ["xingfuli"] && wenxin.current.alerts.total == 5)
        #expect(wenxin.current.elderCare.residentsMonitored == 3)
    }

    @Test func csvAndHTMLCarryTheSameNumbers() async throws {
        let report = try await Self.november()
        let json = ReportJSON.render(report)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        #expect(try decoder.decode(GovernanceReport.self, from: Data(json.utf8)) == report)
        // Derived rates travel in `headlines` (and per community, per rule, per device in their rows).
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let onTime = (object["headlines"] as? [[String: Any]])?.first { $0["key"] as? String == "work_orders.on_time_rate" }
        #expect(onTime?["value"] as? Double == 0.5 && onTime?["change"] is NSNull)
        let csv = ReportCSV.render(report)
        #expect(csv.hasPrefix("\u{FEFF}section,figure,key,label,value,previous\r\n"))
        #expect(csv.contains("headline,alerts.total,alerts.total,告警总数,8,2\r\n"))
        #expect(csv.contains("headline,alerts.mttr_p90,alerts.mttr_p90,MTTR（90分位）,108000,600\r\n"))
        #expect(csv.contains("headline,work_orders.on_time_rate,work_orders.on_time_rate,限时办结率,0.5,\r\n"))
        #expect(csv.contains("headline,devices.online_rate,devices.online_rate,设备在线率,0.993827,0.97561\r\n"))
        #expect(csv.contains("alerts,noisiest_device_false_alarms,xf-0301-band,幸福里社区 3幢 501室,1,\r\n"))
        #expect(csv.contains("work_orders,on_time_rate_by_community,cuiyuan1,翠苑一区社区,0,\r\n"))
        let html = ReportHTML.render(report)
        #expect(html.hasPrefix("<!DOCTYPE html>") && !html.contains("<script") && !html.contains("src=") && !html.contains("href="))
        #expect(html.contains("<h2>一、核心指标</h2>") && html.contains("<h2>四、网格工单</h2>"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 4)
        #expect(html.contains("<td>告警总数</td><td class=\"n\">8</td><td class=\"n muted\">2</td>"))
        #expect(html.contains("<td>限时办结率</td><td class=\"n\">50.0%</td>"))
        #expect(html.contains("<td>平均响应时间 MTTA（中位数）</td><td class=\"n\">3分</td><td class=\"n muted\">2分</td>"))
        #expect(ReportHTML.grouped(15000) == "15,000" && ReportHTML.grouped(999) == "999" && ReportHTML.hours(7_056_000) == "7,056,000.0")
        #expect(ReportHTML.duration(3600) == "1小时" && ReportHTML.duration(108_000) == "1天6小时" && ReportHTML.duration(252) == "4分12秒")
        // No resident names or phone numbers: only counts of relatives.
        #expect(!html.contains("13800000001") && !csv.contains("13800000001") && !json.contains("13800000001"))
        let names = try RegistryLoader.loadConfiguration(path: Self.sample).registry.residents.values.map(\.name)
        #expect(!names.contains { html.contains($0) || csv.contains($0) || json.contains($0) })
    }

    @Test func periodsAreCivilDatesInLocalTime() throws {
        let november = try ReportPeriod(from: "2026-11-01", to: "2026-12-01", utcOffsetSeconds: 8 * 3600)
        #expect(november.startMillis == Int64(ISO8601DateFormatter().date(from: "2026-11-01T00:00:00+08:00")!.timeIntervalSince1970 * 1000))
        #expect(november.endMillis == Int64(ISO8601DateFormatter().date(from: "2026-12-01T00:00:00+08:00")!.timeIntervalSince1970 * 1000))
        #expect(november.days == 30 && november.previous.from == "2026-10-01" && november.previous.to == "2026-11-01")
        // Whole months compare with as many whole months before (January with December, a quarter with the one
        // before); any other period with the days just before it.
        let afterNewYear = try ReportPeriod(from: "2027-01-01", to: "2027-02-01", utcOffsetSeconds: 0).previous
        #expect([afterNewYear.from, afterNewYear.to] == ["2026-12-01", "2027-01-01"])
        let quarter = try ReportPeriod(from: "2026-10-01", to: "2027-01-01", utcOffsetSeconds: 0).previous
        #expect([quarter.from, quarter.to] == ["2026-07-01", "2026-10-01"])
        let week = try ReportPeriod(from: "2026-11-02", to: "2026-11-09", utcOffsetSeconds: 0).previous
        #expect([week.from, week.to] == ["2026-10-26", "2026-11-02"])
        #expect(try ReportPeriod(from: "2028-02-01", to: "2028-03-01", utcOffsetSeconds: 0).days == 29)
        #expect(throws: ReportError.invalidDate(parameter: "from", value: "2026-02-30")) {
            try ReportPeriod(from: "2026-02-30", to: "2026-03-01", utcOffsetSeconds: 0)
        }
        #expect(throws: ReportError.invalidDate(parameter: "to", value: "12/01/2026")) {
            try ReportPeriod(from: "2026-11-01", to: "12/01/2026", utcOffsetSeconds: 0)
        }
        #expect(throws: ReportError.fromAfterTo(from: "2026-12-01", to: "2026-11-01")) {
            try ReportPeriod(from: "2026-12-01", to: "2026-11-01", utcOffsetSeconds: 0)
        }
        #expect(throws: ReportError.emptyRange(date: "2026-11-01")) {
            try ReportPeriod(from: "2026-11-01", to: "2026-11-01", utcOffsetSeconds: 0)
        }
        let now = Int64(ISO8601DateFormatter().date(from: "2026-12-01T00:30:00+08:00")!.timeIntervalSince1970 * 1000)
        let last = ReportPeriod.lastMonth(now: now, utcOffsetSeconds: 8 * 3600)
        #expect(last.from == "2026-11-01" && last.to == "2026-12-01")
        #expect(ReportPeriod.lastMonth(now: now, utcOffsetSeconds: 0).from == "2026-10-01")
        let january = ReportPeriod.lastMonth(now: Int64(ISO8601DateFormatter().date(from: "2027-01-15T12:00:00Z")!.timeIntervalSince1970 * 1000),
                                             utcOffsetSeconds: 8 * 3600)
        #expect(january.from == "2026-12-01" && january.to == "2027-01-01")
    }

    /// The real `gatewayd`, waited for off the cooperative pool (eleven runs: the other tests' servers keep running).
    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await BrokerConfigTests.runOffPool(try GatewayDaemon.executable(), arguments)
    }

    @Test func theCommandWritesEachFormatAndRefusesBadInputWithExit1() async throws {
        let (fixture, _, directory) = try Self.fixture()
        let base = ["report", "--config", Self.sample, "--db", fixture.path]
        let out = directory.appendingPathComponent("kpi.json").path
        let made = try await Self.run(base + ["--from", "2026-11-01", "--to", "2026-12-01", "--format", "json", "--out", out])
        #expect(made.status == 0, "\(made.output)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any]
        let current = json?["current"] as? [String: Any]
        #expect((current?["alerts"] as? [String: Any])?["total"] as? Int == 8)
        #expect((current?["work_orders"] as? [String: Any])?["closed_on_time"] as? Int == 1)
        let csv = try await Self.run(base + ["--from", "2026-11-01", "--to", "2026-12-01", "--format", "csv", "--street", "wenxin"])
        #expect(csv.status == 0 && csv.output.contains("headline,alerts.total,alerts.total,告警总数,5,2"), "\(csv.output.prefix(300))")
        let html = try await Self.run(base + ["--from", "2026-11-01", "--to", "2026-12-01", "--community", "xingfuli"])
        #expect(html.status == 0 && html.output.contains("社区治理月报 · 幸福里社区"))

        for (arguments, message) in [
            (["--from", "2026-11-01", "--to", "2026-11-01"], "the period is empty"),
            (["--from", "2026-12-01", "--to", "2026-11-01"], "is after to"),
            (["--from", "2026-11-31", "--to", "2026-12-01"], "from must be a date YYYY-MM-DD"),
            (["--from", "last month", "--to", "2026-12-01"], "from must be a date YYYY-MM-DD"),
            (["--from", "2026-11-01"], "to must be a date"),
            (["--from", "2026-11-01", "--to", "2026-12-01", "--community", "nowhere"], "no community \"nowhere\""),
            (["--from", "2026-11-01", "--to", "2026-12-01", "--street", "nowhere"], "no street \"nowhere\""),
            (["--from", "2026-11-01", "--to", "2026-12-01", "--format", "pdf"], "format must be html, csv or json"),
        ] {
            let refused = try await Self.run(base + arguments)
            #expect(refused.status == 1, "\(arguments) → \(refused.status)")
            #expect(refused.output.contains("gatewayd report: error: ") && refused.output.contains(message), "\(arguments) → \(refused.output)")
        }
        let missing = try await Self.run(["report", "--config", Self.sample, "--db", directory.appendingPathComponent("none.sqlite").path])
        #expect(missing.status == 1 && missing.output.contains("no database at"))
    }

    @Test func theAPIAnswersTheReportToOperatorsAndRefusesBadInputWith400() async throws {
        try await withHTTPGateway(prefix: "report-api") { _, api, _, _, _ in
            let token = APITests.tokens["operator"]
            let json = try await api.send(.GET, "/api/v1/reports/kpi?from=2026-11-01&to=2026-12-01", token: token)
            #expect(json.status == 200)
            #expect((json.json["period"] as? [String: Any])?["from"] as? String == "2026-11-01")
            #expect((json.json["headlines"] as? [Any])?.count == 26)
            let csv = try await api.send(.GET, "/api/v1/reports/kpi?from=2026-11-01&to=2026-12-01&format=csv&community=xingfuli", token: token)
            #expect(csv.status == 200 && csv.text.contains("headline,alerts.total,alerts.total,告警总数,0,0"))
            let html = try await api.send(.GET, "/api/v1/reports/kpi?format=html", token: APITests.tokens["admin"])
            #expect(html.status == 200 && html.text.contains("<svg"))
            for (query, code) in [("from=2026-11-01&to=2026-11-01", "empty_range"), ("from=2026-12-01&to=2026-11-01", "invalid_range"),
                                  ("from=2026-13-01&to=2026-12-01", "invalid_date"), ("from=2026-11-01", "invalid_date"),
                                  ("from=2026-11-01&to=2026-12-01&community=nowhere", "unknown_community"),
                                  ("from=2026-11-01&to=2026-12-01&street=nowhere", "unknown_street"),
                                  ("community=xingfuli&street=wenxin", "conflicting_scope"), ("format=pdf", "invalid_format")] {
                let reply = try await api.send(.GET, "/api/v1/reports/kpi?\(query)", token: token)
                #expect(reply.status == 400, "\(query) → \(reply.status)")
                #expect((reply.json["error"] as? [String: Any])?["code"] as? String == code, "\(query) → \(reply.text)")
            }
            #expect(try await api.send(.GET, "/api/v1/reports/kpi", token: APITests.tokens["installer"]).status == 403)
            #expect(try await api.send(.GET, "/api/v1/reports/kpi", token: APITests.tokens["workorder"]).status == 403)
            #expect(try await api.send(.GET, "/api/v1/reports/kpi").status == 401)
        }
    }
}
