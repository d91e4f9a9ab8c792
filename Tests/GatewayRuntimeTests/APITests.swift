import AlertRules
import AsyncHTTPClient
import DeviceModel
import Foundation
import LocalBroker
import GRDB
import NIOHTTP1
import Testing
import Yams
@testable import GatewayRuntime

/// The HTTP API against a running gateway: the OpenAPI document matches the routes, the auth matrix holds
/// for every route, and a device registered over HTTP works end to end.
@Suite(.serialized) struct APITests {
    static let tokens = ["workorder": TestRegistry.workOrderToken, "operator": "console-secret",
                         "installer": "installer-secret", "admin": "admin-secret",
                         "messaging": "messaging-secret", "metrics": "metrics-secret"]
    static let documentPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("openapi.yaml").path

    static func withAPI(workOrders: HTTPStandIn? = nil, _ body: (RunningGateway, APIClient, TestPublisher) async throws -> Void) async throws {
        try await withHTTPGateway(prefix: "api", configure: { settings, _ in
            if let workOrders { settings.workOrderTarget = DeliveryTarget(kind: .workOrder, url: workOrders.url) }
        }) { gateway, api, device, _, _ in
            try await body(gateway, api, device)
        }
    }

    struct Operation {
        var method: String
        var path: String
        var roles: [String]
        var statuses: Set<Int>
        var example: String?
        var contentType = "application/json"
        /// `x-stream`: the answer is an endless event stream; only its status is read.
        var stream = false
    }

    static func operations() throws -> [Operation] {
        let text = try String(contentsOfFile: documentPath, encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        var result: [Operation] = []
        for (path, item) in paths {
            guard let item = item as? [String: Any] else { continue }
            for method in ["get", "post", "put", "delete"] {
                guard let operation = item[method] as? [String: Any] else { continue }
                let responses = (operation["responses"] as? [String: Any] ?? [:]).keys.compactMap { Int($0) }
                var example: String?
                var contentType = "application/json"
                let contents = (operation["requestBody"] as? [String: Any])?["content"] as? [String: Any]
                if let content = contents?["application/json"] as? [String: Any], let value = content["example"] {
                    example = String(decoding: try JSONSerialization.data(withJSONObject: value), as: UTF8.self)
                } else if let content = contents?["text/csv"] as? [String: Any], let value = content["example"] as? String {
                    example = value
                    contentType = "text/csv"
                }
                result.append(Operation(method: method.uppercased(), path: path, roles: operation["x-roles"] as? [String] ?? [],
                                        statuses: Set(responses), example: example, contentType: contentType,
                                        stream: operation["x-stream"] as? Bool ?? false))
            }
        }
        // Register before using the registered device; acknowledge before resolving; delete last.
        let order = ["POST /api/v1/devices", "GET", "PUT", "POST", "DELETE"]
        return result.sorted { lhs, rhs in
            func rank(_ op: Operation) -> Int {
                order.firstIndex { "\(op.method) \(op.path)" == $0 } ?? (order.firstIndex(of: op.method) ?? 9)
            }
            return (rank(lhs), lhs.path, lhs.method) < (rank(rhs), rhs.path, rhs.method)
        }
    }

    @Test func theServedDocumentIsTheOneInTheRepositoryAndEveryRouteAnswersAsDocumentedForEveryRole() async throws {
        let workOrders = try HTTPStandIn()
        try await workOrders.start()
        defer { Task { await workOrders.stop() } }
        try await Self.withAPI(workOrders: workOrders) { gateway, api, device in
            let served = try await api.send(.GET, "/openapi.yaml")
            #expect(served.status == 200)
            #expect(served.text == (try String(contentsOfFile: Self.documentPath, encoding: .utf8)))

            try device.publish("devices/xingfuli/band-1/event", #"{"ts": \#(nowMillis()), "event": "fall_detected"}"#)
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM alerts")) == 1 })
            let alertID = try await gateway.gateway.database.read { db in try String.fetchOne(db, sql: "SELECT id FROM alerts") } ?? ""
            try device.publish("devices/xingfuli/smoke-1/event", #"{"ts": \#(nowMillis()), "event": "smoke_alarm"}"#)
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM work_orders")) == 1 })
            let workOrderID = try await gateway.gateway.database.read { db in try String.fetchOne(db, sql: "SELECT alert_id FROM work_orders") } ?? ""

            let operations = try Self.operations()
            #expect(operations.count >= 18)
            for operation in operations {
                var path = operation.path.replacingOccurrences(of: "{externalId}", with: workOrderID)
                if path.hasPrefix("/api/v1/alerts") {
                    path = path.replacingOccurrences(of: "{id}", with: alertID)
                } else {
                    let mutates = operation.method == "PUT" || operation.method == "DELETE"
                    path = path.replacingOccurrences(of: "{id}", with: mutates ? "api-smoke-01" : "band-1")
                }
                let method = HTTPMethod(rawValue: operation.method)
                let label = "\(operation.method) \(operation.path)"
                guard !operation.roles.isEmpty else {
                    let reply = try await api.send(method, path)
                    #expect(operation.statuses.contains(reply.status), "\(label) → \(reply.status)")
                    continue
                }
                let anonymous = try await api.send(method, path, body: operation.example, contentType: operation.contentType)
                #expect(anonymous.status == 401, "\(label) without a token → \(anonymous.status)")
                #expect((anonymous.json["error"] as? [String: Any])?["code"] as? String == "unauthorized")
                let wrong = try await api.send(method, path, token: "not-a-token", body: operation.example, contentType: operation.contentType)
                #expect(wrong.status == 401, "\(label) with a wrong token → \(wrong.status)")
                for role in ["installer", "operator", "workorder"] where !operation.roles.contains(role) {
                    let reply = try await api.send(method, path, token: Self.tokens[role], body: operation.example, contentType: operation.contentType)
                    #expect(reply.status == 403, "\(label) as \(role) → \(reply.status)")
                }
                if operation.stream {
                    for role in [operation.roles[0], "admin"] {
                        let status = try await api.streamStatus(path, token: Self.tokens[role])
                        #expect(status == 200, "\(label) as \(role) → \(status)")
                    }
                    continue
                }
                let allowed = try await api.send(method, path, token: Self.tokens[operation.roles[0]], body: operation.example, contentType: operation.contentType)
                #expect(operation.statuses.contains(allowed.status) && allowed.status < 300,
                        "\(label) as \(operation.roles[0]) → \(allowed.status) \(allowed.text.prefix(200))")
                let admin = try await api.send(method, path, token: Self.tokens["admin"], body: operation.example, contentType: operation.contentType)
                #expect(operation.statuses.contains(admin.status), "\(label) as admin → \(admin.status)")
            }
            // Every change was audited with who made it.
            let actors = try await gateway.gateway.database.read { db in
                try String.fetchAll(db, sql: "SELECT DISTINCT actor FROM audit_log ORDER BY actor")
            }
            #expect(actors.contains("installer-app") && actors.contains("console-01"))
        }
    }

    @Test func aDeviceRegisteredOverHTTPIsCommissionedByItsFirstMessageAndRaisesAlerts() async throws {
        try await Self.withAPI { gateway, api, device in
            let installer = Self.tokens["installer"]
            let operatorToken = Self.tokens["operator"]
            let draft = #"{"id": "band-new", "type": "wristband", "community": "xingfuli", "grid": "330106005001", "building": "3", "room": "501", "vendor": "V", "model": "M", "serial": "NEW-1", "installer": "inst-wang", "resident": "res-1"}"#
            let created = try await api.send(.POST, "/api/v1/devices", token: installer, body: draft)
            #expect(created.status == 201)
            #expect(created.json["state"] as? String == "registered")
            let duplicate = try await api.send(.POST, "/api/v1/devices", token: installer, body: draft)
            #expect(duplicate.status == 422)

            // The YAML check and the API give the same message for the same mistake.
            let typo = try await api.send(.POST, "/api/v1/devices", token: installer,
                                          body: draft.replacingOccurrences(of: "band-new", with: "band-typo").replacingOccurrences(of: "\"wristband\"", with: "\"wristbnd\""))
            #expect(typo.status == 422)
            let issues = ((typo.json["error"] as? [String: Any])?["issues"] as? [[String: String]]) ?? []
            #expect(issues.contains { $0["message"]?.hasPrefix("unknown device type \"wristbnd\" (did you mean \"wristband\"?)") == true })

            let ts = nowMillis()
            try device.publish("devices/xingfuli/band-new/telemetry", #"{"ts": \#(ts), "metrics": {"heart_rate": 70}}"#)
            try device.publish("devices/xingfuli/band-new/event", #"{"ts": \#(ts + 1), "event": "fall_detected"}"#)
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM alerts WHERE device = 'band-new'")) == 1 })
            let fetched = try await api.send(.GET, "/api/v1/devices/band-new", token: installer)
            #expect(fetched.json["state"] as? String == "commissioned")
            #expect(fetched.json["online"] as? Bool == true)
            let events = try await api.send(.GET, "/api/v1/devices/band-new/events?limit=1", token: installer)
            #expect((events.json["items"] as? [[String: Any]])?.first?["event"] as? String == "fall_detected")
            #expect(events.json["next_before"] != nil)
            let alerts = try await api.send(.GET, "/api/v1/alerts?state=open&severity=critical", token: operatorToken)
            let items = alerts.json["items"] as? [[String: Any]] ?? []
            #expect(items.contains { $0["device"] as? String == "band-new" && $0["title"] as? String == "跌倒报警" })
            let listed = try await api.send(.GET, "/api/v1/devices?community=xingfuli&type=wristband&online=true", token: operatorToken)
            #expect((listed.json["items"] as? [[String: Any]])?.map { $0["id"] as? String } == ["band-new"])

            // Maintenance silences the device; decommissioning rejects its messages.
            #expect(try await api.send(.PUT, "/api/v1/devices/band-new/maintenance", token: installer, body: #"{"duration": "1h", "reason": "换电池"}"#).status == 200)
            try device.publish("devices/xingfuli/band-new/event", #"{"ts": \#(ts + 2), "event": "sos"}"#)
            #expect(await eventually { gateway.eventCount >= 3 })
            #expect(try gateway.count("SELECT COUNT(*) FROM alerts WHERE device = 'band-new'") == 1)
            #expect(try await api.send(.DELETE, "/api/v1/devices/band-new", token: installer).status == 200)
            try device.publish("devices/xingfuli/band-new/telemetry", #"{"ts": \#(ts + 3), "metrics": {"heart_rate": 70}}"#)
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM dead_letters WHERE reason = 'device_decommissioned'")) == 1 })

            let metrics = try await api.send(.GET, "/metrics", token: "metrics-secret")
            #expect(metrics.text.contains("gatewayd_ingest_messages_stored_total"))
            #expect(metrics.text.contains(#"gatewayd_ingest_messages_rejected_total{reason="device_decommissioned"} 1"#))
            #expect(metrics.text.contains(#"gatewayd_outbox_depth_count{target="mqtt"}"#))
            #expect(metrics.text.contains(#"gatewayd_mqtt_connected_state{connection="devices"} 1"#))
        }
        // Registrations survive a restart: checked by the registry store test below.
    }

    @Test func hostileRequestsGetClearJSONErrors() async throws {
        try await Self.withAPI { _, api, _ in
            let installer = Self.tokens["installer"]
            let huge = "{\"id\": \"" + String(repeating: "x", count: 70_000) + "\"}"
            let tooLarge = try await api.send(.POST, "/api/v1/devices", token: installer, body: huge)
            #expect(tooLarge.status == 413)
            let notJSON = try await api.send(.POST, "/api/v1/devices", token: installer, body: "{not json")
            #expect(notJSON.status == 400)
            #expect((notJSON.json["error"] as? [String: Any])?["code"] as? String == "invalid_json")
            let page = try await api.send(.GET, "/api/v1/devices?limit=5000", token: installer)
            #expect(page.status == 400)
            let bad = try await api.send(.GET, "/api/v1/dead-letters?before=abc", token: installer)
            #expect(bad.status == 400)
            let odd = try await api.send(.GET, "/api/v1/devices/..%2F..%2Fetc", token: installer)
            #expect(odd.status == 404)
            for reply in [tooLarge, notJSON, page, bad] {
                #expect(!reply.text.contains("SELECT") && !reply.text.contains("Swift") && !reply.text.contains(".swift"))
            }
        }
    }
}

func eventuallyValue<T>(timeout: Duration = .seconds(10), _ value: () -> T?) async -> T? {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while clock.now < deadline {
        if let value = value() { return value }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return value()
}
