import ArgumentParser
import Foundation
import GRDB
import GatewayRuntime
import LocalBroker
#if canImport(Glibc)
import Glibc
#endif

/// `gatewayd-bench report`: the time of the real `gatewayd report` on a month of a district — `--devices`
/// wristbands beside the sample's site (devices.yaml written as `scale` does) and a database with `--events`
/// events in November 2026 (2 % status messages: short offline spells), an alert per device and a half, their
/// transitions, work orders, 督办 notices and relatives' messages, written through the real schema.
struct ReportBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Time of the real `gatewayd report` (html and json) on a month of N devices and M events."
    )

    @Option(help: "Site configuration the fleet is added to.")
    var config = "devices.yaml"

    @Option(help: "Wristbands (and residents) in the generated registry.")
    var devices = 10_000

    @Option(help: "Events in the month.")
    var events = 5_000_000

    @Option(help: "The gatewayd executable (default: beside this benchmark).")
    var gatewayd: String?

    @Option(help: "Keep the generated files in this directory (default: a temporary one, removed).")
    var keep: String?

    func run() async throws {
        let executable = try GatewaydExecutable.resolve(gatewayd)
        let directory = URL(fileURLWithPath: keep ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("gatewayd-report-\(UUID().uuidString)").path)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { if keep == nil { try? FileManager.default.removeItem(at: directory) } }
        let fleet = directory.appendingPathComponent("devices.yaml").path
        try ScaleBenchmark.fleet(base: try String(contentsOfFile: config, encoding: .utf8), count: devices)
            .write(toFile: fleet, atomically: true, encoding: .utf8)
        let databasePath = directory.appendingPathComponent("g.sqlite").path
        let generateStart = ContinuousClock.now
        let written = try ReportMonthGenerator(devices: devices, events: events).write(path: databasePath)
        let generateSeconds = ScaleBenchmark.seconds(ContinuousClock.now - generateStart)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: databasePath)[.size] as? Int) ?? 0
        print(String(format: "generated %d events, %d alerts, %d work orders, %d deliveries in %.1f s (%d MB)",
                     written.events, written.alerts, written.workOrders, written.deliveries, generateSeconds, bytes / 1_000_000))

        var timings: [String: Double] = [:]
        for format in ["html", "json", "csv"] {
            let out = directory.appendingPathComponent("kpi.\(format)").path
            let start = ContinuousClock.now
            let pid = try ChildProcess.spawn(executable, [
                "report", "--config", fleet, "--db", databasePath, "--from", "2026-11-01", "--to", "2026-12-01",
                "--format", format, "--out", out,
            ], output: directory.appendingPathComponent("report-\(format).log").path)
            var status: Int32 = 0
            var usage = rusage()
            wait4(pid, &status, 0, &usage)
            let seconds = ScaleBenchmark.seconds(ContinuousClock.now - start)
            guard status == 0 else { throw ValidationError("gatewayd report failed; see \(directory.path)/report-\(format).log") }
            timings[format] = seconds
            print(String(format: "gatewayd report --format %@: %.2f s, peak %.0f MB", format, seconds, Double(usage.ru_maxrss) / 1024))
        }
        print(String(format: #"{"bench":"report","devices":%d,"events":%d,"alerts":%d,"html_s":%.2f,"json_s":%.2f,"csv_s":%.2f}"#,
                     devices, written.events, written.alerts, timings["html"] ?? 0, timings["json"] ?? 0, timings["csv"] ?? 0))
    }
}

/// Writes the benchmark's month into a fresh database through the real schema (migrations), in large
/// transactions with prepared statements. Deterministic: the same arguments give the same file.
struct ReportMonthGenerator {
    var devices: Int
    var events: Int

    struct Written { var events = 0, alerts = 0, workOrders = 0, deliveries = 0 }

    func write(path: String) throws -> Written {
        let pool = try GatewayDatabase.open(path: path)
        let period = try ReportPeriod(from: "2026-11-01", to: "2026-12-01", utcOffsetSeconds: 8 * 3600)
        let start = period.startMillis, span = period.endMillis - period.startMillis
        let h: Int64 = 3_600_000, m: Int64 = 60_000
        var written = Written()
        let ids = (0..<devices).map { "wb-" + String(format: "%06d", $0) }
        // 2 % of the devices are never seen; the others share the events.
        let seen = (0..<devices).count { $0 % 50 != 7 }
        let perDevice = max(1, events / max(1, seen))
        var random = SplitMix(seed: 18)
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = OFF")
            try db.inTransaction {
                let state = try db.makeStatement(sql: """
                    INSERT INTO device_state (device_id, online, status_ts, last_ts, first_seen_at, last_seen_at, status_changed_at)
                    VALUES (?, 1, NULL, ?, ?, ?, ?)
                    """)
                // 2 % never seen.
                for (index, id) in ids.enumerated() where index % 50 != 7 {
                    let first = start - 30 * 24 * h + Int64(index)
                    try state.execute(arguments: [id, start + span - 1, first, start + span - 1, first])
                }
                return .commit
            }
            let insert = try db.makeStatement(sql: """
                INSERT INTO events (device_id, community, channel, ts, native_key, received_at, event, body, format)
                VALUES (?, 'xingfuli', ?, ?, '', ?, ?, ?, 'canonical')
                """)
            for (index, id) in ids.enumerated() where index % 50 != 7 {
                try db.inTransaction {
                    let step = span / Int64(perDevice)
                    for n in 0..<perDevice {
                        let ts = start + Int64(n) * step + Int64(index % 1000)
                        // A short offline spell every 100 messages: offline, back two messages later (~98 % online).
                        if n % 100 == 50 || n % 100 == 52 {
                            try insert.execute(arguments: [id, "status", ts, ts, nil, n % 100 == 50 ? #"{"online":false}"# : #"{"online":true}"#])
                        } else {
                            let body = "{\"battery\":\(80 - n % 60),\"heart_rate\":\(60 + random.next() % 40),\"spo2\":97}"
                            try insert.execute(arguments: [id, "telemetry", ts, ts, nil, body])
                        }
                        written.events += 1
                    }
                    return .commit
                }
            }
            let rules = ["elder.fall", "elder.heart_rate_high", "device.battery_low", "device.offline", "elder.sos", "elder.wearable_removed"]
            let categories = ["genuine", "false_alarm", "device_fault", "test", nil]
            try db.inTransaction {
                let alert = try db.makeStatement(sql: """
                    INSERT INTO alerts (id, rule, scope, community, device, severity, state, title, escalation_level, opened_at, updated_at, resolved_at, body)
                    VALUES (?, ?, ?, 'xingfuli', ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                let transition = try db.makeStatement(sql: """
                    INSERT INTO alert_transitions (alert_id, kind, actor, reason, at, state, escalation_level) VALUES (?, ?, 'system', '', ?, 'open', ?)
                    """)
                let workOrder = try db.makeStatement(sql: """
                    INSERT INTO work_orders (alert_id, community, status, category, deadline_at, created_at, updated_at) VALUES (?, 'xingfuli', ?, 'C01', ?, ?, ?)
                    """)
                let update = try db.makeStatement(sql: "INSERT INTO work_order_updates (alert_id, status, actor, note, at) VALUES (?, ?, 'wo', NULL, ?)")
                let delivery = try db.makeStatement(sql: """
                    INSERT INTO deliveries (idempotency_key, target, kind, alert_id, recipient, body, state, next_attempt_at, created_at, delivered_at)
                    VALUES (?, ?, ?, ?, ?, '{}', ?, ?, ?, ?)
                    """)
                for n in 0..<(devices * 3 / 2) {
                    let device = ids[(n * 7919) % devices]
                    let id = "al-\(n)"
                    let rule = rules[n % rules.count]
                    let opened = start + Int64(random.next() % UInt64(span))
                    let ack: Int64? = n % 5 == 4 ? nil : Int64(random.next() % 1800_000)
                    let resolved: Int64? = n % 11 == 10 ? nil : (ack ?? 0) + Int64(random.next() % UInt64(4 * h))
                    let level = n % 13 == 0 ? 2 : n % 5 == 0 ? 1 : 0
                    let category = resolved == nil ? nil : categories[n % categories.count]
                    var body = "{\"id\":\"\(id)\",\"rule\":\"\(rule)\",\"device\":\"\(device)\",\"resident\":\"r\(device.dropFirst(3))\","
                        + "\"location\":{\"building\":\"\(1 + n % 40)\",\"room\":\"\(100 + n % 30)\"},\"openedAt\":\(opened)"
                    if let ack { body += ",\"acknowledgedAt\":\(opened + ack)" }
                    if let resolved { body += ",\"resolvedAt\":\(opened + resolved)" }
                    if let category { body += ",\"resolution\":\"\(category)\"" }
                    body += "}"
                    try alert.execute(arguments: [id, rule, device, device, n % 3 == 0 ? "critical" : "warning",
                                                  resolved == nil ? "open" : "resolved", rule, level, opened, opened,
                                                  resolved.map { opened + $0 }, body])
                    try transition.execute(arguments: [id, "opened", opened, 0])
                    for rung in 0..<level { try transition.execute(arguments: [id, "escalated", opened + Int64(rung + 1) * 5 * m, rung + 1]) }
                    if let ack { try transition.execute(arguments: [id, "acknowledged", opened + ack, level]) }
                    if let resolved { try transition.execute(arguments: [id, "resolved", opened + resolved, level]) }
                    written.alerts += 1
                    if n % 10 == 0 {
                        let deadline = opened + 2 * h
                        try workOrder.execute(arguments: [id, resolved == nil ? "reported" : "closed", deadline, opened, opened])
                        if let resolved { try update.execute(arguments: [id, "closed", opened + resolved]) }
                        if resolved.map({ $0 > 2 * h }) ?? true {
                            try delivery.execute(arguments: ["sv:\(id)", "workorder", "workorder.supervise", id, nil, "delivered", deadline, deadline, deadline + 1000])
                            written.deliveries += 1
                        }
                        written.workOrders += 1
                    }
                    for relative in 0..<2 {
                        let state = (n + relative) % 17 == 0 ? "dead" : "delivered"
                        try delivery.execute(arguments: ["msg:\(id):\(relative)", "message", "message.alert", id, "1380000\(relative)\(n % 1000)", state,
                                                         opened, opened, state == "delivered" ? opened + 20_000 + Int64(relative) * 5000 : nil])
                        written.deliveries += 1
                    }
                }
                return .commit
            }
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return written
    }
}

/// A small deterministic generator (SplitMix64).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
