import AlertRules
import AsyncHTTPClient
import Foundation
import GRDB
import LocalBroker
import NIOCore
import NIOHTTP1
import Testing
@testable import GatewayRuntime

/// The alarm console's server side against a running gateway: the alert stream (board, live transitions,
/// `Last-Event-ID` catch-up with nothing lost or repeated, refusals), the session cookie (attributes, expiry,
/// sign-out, forged requests) and the timeline.
@Suite(.serialized) struct ConsoleTests {
    static let console = "console-secret"

    static func alertIDs(_ gateway: RunningGateway, device: String) throws -> [String] {
        try gateway.gateway.database.read { db in try String.fetchAll(db, sql: "SELECT id FROM alerts WHERE device = ? ORDER BY opened_at", arguments: [device]) }
    }

    static func transitionIDs(_ gateway: RunningGateway, after cursor: Int64) throws -> [Int64] {
        try gateway.gateway.database.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM alert_transitions WHERE id > ? ORDER BY id", arguments: [cursor])
        }
    }

    @Test func theStreamSendsTheBoardThenEveryCommittedTransitionAndCatchesUpWithoutLossOrRepeat() async throws {
        try await withHTTPGateway(prefix: "console-sse") { gateway, api, device, _, _ in
            try device.publish("devices/xingfuli/band-1/event", #"{"ts": \#(nowMillis()), "event": "fall_detected"}"#)
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM alerts")) == 1 })
            let fall = try #require(try Self.alertIDs(gateway, device: "band-1").first)

            // Refused without a token, with a wrong one, and for a role that is not the console's.
            #expect(try await api.streamStatus("/api/v1/alerts/stream", token: nil) == 401)
            #expect(try await api.streamStatus("/api/v1/alerts/stream", token: "not-a-token") == 401)
            #expect(try await api.streamStatus("/api/v1/alerts/stream", token: "installer-secret") == 403)
            #expect(try await api.send(.GET, "/api/v1/alerts/stream?last_event_id=abc", token: Self.console).status == 400)

            // A fresh client gets the board first: the open fall, with the resident's name masked for an operator.
            let first = EventStreamRecorder(url: api.base + "/api/v1/alerts/stream", headers: [("Authorization", "Bearer \(Self.console)")],
                                            client: api.client)
            #expect(await eventually { first.events(named: "board").count == 1 })
            let board = try #require(first.events(named: "board").first)
            #expect(first.status == 200)
            let entries = try #require(board.json["alerts"] as? [[String: Any]])
            #expect(entries.count == 1)
            #expect((entries.first?["alert"] as? [String: Any])?["id"] as? String == fall)
            #expect(entries.first?["resident_name"] as? String == "张*华")
            #expect(board.id == String(describing: board.json["cursor"] as? Int ?? -1))

            // Each commit that changes an alert arrives as an event, in commit order.
            try device.publish("devices/xingfuli/smoke-1/event", #"{"ts": \#(nowMillis()), "event": "smoke_alarm"}"#)
            #expect(await eventually { first.events(named: "alert").contains { Self.alert(of: $0)?["device"] as? String == "smoke-1" } })
            #expect(try await api.send(.POST, "/api/v1/alerts/\(fall)/ack", token: Self.console, body: "{}").status == 200)
            #expect(await eventually {
                first.events(named: "alert").contains { event in
                    (event.json["transition"] as? [String: Any])?["kind"] as? String == "acknowledged"
                        && Self.alert(of: event)?["acknowledged_by"] as? String == "console-01"
                }
            })
            let seen = first.events.compactMap { $0.id.flatMap(Int64.init) }
            #expect(seen == seen.sorted() && Set(seen).count == seen.count)
            let boardCursor = try #require(Int64(board.id ?? ""))
            #expect(Array(seen.dropFirst()) == (try Self.transitionIDs(gateway, after: boardCursor)))
            let lastSeen = try #require(seen.last)
            first.stop()

            // Meanwhile (no client connected): the fall is resolved and a door is forced.
            #expect(try await api.send(.POST, "/api/v1/alerts/\(fall)/resolve", token: Self.console,
                                       body: #"{"note": "已上门查看", "category": "genuine"}"#).status == 200)
            try device.publish("devices/cuiyuan1/door-1/event", #"{"ts": \#(nowMillis()), "event": "door_forced"}"#)
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM alerts WHERE device = 'door-1'")) == 1 })
            let missed = try Self.transitionIDs(gateway, after: lastSeen)
            #expect(missed.count >= 2)

            // Reconnecting with Last-Event-ID: exactly the missed transitions, in order, and no board.
            let again = EventStreamRecorder(url: api.base + "/api/v1/alerts/stream",
                                            headers: [("Authorization", "Bearer \(Self.console)"), ("Last-Event-ID", String(lastSeen))],
                                            client: api.client)
            #expect(await eventually { again.events(named: "alert").count >= missed.count })
            #expect(again.events(named: "board").isEmpty)
            #expect(again.events.compactMap { $0.id.flatMap(Int64.init) } == missed)
            let resolved = again.events.first { Self.alert(of: $0)?["id"] as? String == fall && Self.alert(of: $0)?["state"] as? String == "resolved" }
            #expect(resolved != nil)
            again.stop()

            // An id this database never gave (a wiped database) gets a fresh board instead.
            let stranger = EventStreamRecorder(url: api.base + "/api/v1/alerts/stream?last_event_id=999999",
                                               headers: [("Authorization", "Bearer \(Self.console)")], client: api.client)
            #expect(await eventually { stranger.events(named: "board").count == 1 })
            let open = (stranger.events(named: "board").first?.json["alerts"] as? [[String: Any]] ?? []).compactMap { ($0["alert"] as? [String: Any])?["device"] as? String }
            #expect(Set(open) == ["smoke-1", "door-1"])
            stranger.stop()
        }
    }

    @Test func theStreamEndsWhenTheGatewayShutsDown() async throws {
        try await withBroker { broker in
            let directory = try TemporaryDirectory.make(prefix: "console-stop")
            let gateway = try RunningGateway(broker: broker.url, databasePath: directory.appendingPathComponent("g.sqlite").path,
                                             configure: { settings in settings.http = HTTPServerSettings(host: "127.0.0.1", port: 0) })
            try await gateway.start()
            let port = try #require(await eventuallyValue { gateway.gateway.httpPort })
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            let stream = EventStreamRecorder(url: "http://127.0.0.1:\(port)/api/v1/alerts/stream",
                                             headers: [("Authorization", "Bearer \(Self.console)")], client: client)
            #expect(await eventually { stream.events(named: "board").count == 1 })
            let started = ContinuousClock.now
            try await gateway.stop()
            // Graceful shutdown ends the stream rather than waiting out the shutdown deadline (30 s).
            #expect(ContinuousClock.now - started < .seconds(20))
            #expect(await eventually { stream.ended })
            try await client.shutdown()
        }
    }

    @Test func aSessionCookieIsHttpOnlyStrictExpiringAndEndsAtSignOut() async throws {
        try await withHTTPGateway(prefix: "console-session") { gateway, api, device, _, _ in
            let header = ("X-Gatewayd-Console", "1")
            // Signing in needs the console's header, a valid token and a console role.
            #expect(try await api.request(.POST, "/api/v1/session", headers: [], body: #"{"token": "console-secret"}"#).status == 403)
            let wrong = try await api.request(.POST, "/api/v1/session", headers: [header], body: #"{"token": "guess"}"#)
            #expect(wrong.status == 401)
            #expect(wrong.headers["Set-Cookie"].isEmpty)
            #expect(try await api.request(.POST, "/api/v1/session", headers: [header], body: #"{"token": "metrics-secret"}"#).status == 403)

            let signIn = try await api.request(.POST, "/api/v1/session", headers: [header], body: #"{"token": "console-secret"}"#)
            #expect(signIn.status == 200)
            #expect(signIn.json["id"] as? String == "console-01" && signIn.json["role"] as? String == "operator")
            let setCookie = try #require(signIn.headers["Set-Cookie"].first)
            let attributes = Set(setCookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
            #expect(attributes.contains("httponly") && attributes.contains("samesite=strict") && attributes.contains("path=/"))
            #expect(attributes.contains("max-age=43200"))
            #expect(!attributes.contains("secure"))   // plain HTTP here; Secure over TLS
            #expect(!setCookie.contains("console-secret"))
            let value = try #require(setCookie.split(separator: ";").first.map(String.init))
            let cookie = ("Cookie", value)
            let expiresAt = try #require(signIn.json["expires_at"] as? Int)
            #expect(abs(Int64(expiresAt) - (nowMillis() + 43_200_000)) < 60_000)
            // Only the digest is stored.
            let stored = try await gateway.gateway.database.read { db in try String.fetchAll(db, sql: "SELECT id_sha256 FROM console_sessions") }
            #expect(stored.count == 1 && !stored.contains(String(value.dropFirst("gatewayd_session=".count))))

            // The cookie stands in for the bearer token: reads, the stream, and changes with the header.
            #expect(try await api.request(.GET, "/api/v1/alerts", headers: [cookie]).status == 200)
            #expect(try await api.request(.GET, "/api/v1/session", headers: [cookie]).json["id"] as? String == "console-01")
            #expect(try await api.request(.GET, "/api/v1/alerts", headers: [("Cookie", "gatewayd_session=forged-value")]).status == 401)
            try device.publish("devices/xingfuli/band-1/event", #"{"ts": \#(nowMillis()), "event": "fall_detected"}"#)
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM alerts")) == 1 })
            let fall = try #require(try Self.alertIDs(gateway, device: "band-1").first)
            // A change made with the cookie but without the header (a cross-site form) is refused, as is another origin.
            let forged = try await api.request(.POST, "/api/v1/alerts/\(fall)/ack", headers: [cookie], body: "{}")
            #expect(forged.status == 403)
            #expect((forged.json["error"] as? [String: Any])?["code"] as? String == "console_header_required")
            let elsewhere = try await api.request(.POST, "/api/v1/alerts/\(fall)/ack", headers: [cookie, header, ("Origin", "http://evil.example")], body: "{}")
            #expect((elsewhere.json["error"] as? [String: Any])?["code"] as? String == "cross_origin")
            #expect(try gateway.count("SELECT COUNT(*) FROM alerts WHERE state = 'acknowledged'") == 0)
            let origin = ("Origin", api.base)
            let acked = try await api.request(.POST, "/api/v1/alerts/\(fall)/ack", headers: [cookie, header, origin], body: "{}")
            #expect(acked.status == 200)
            #expect(acked.json["acknowledged_by"] as? String == "console-01")

            // Sign-out ends the session on the server and clears the cookie, and ends the stream it had open.
            let stream = EventStreamRecorder(url: api.base + "/api/v1/alerts/stream", headers: [cookie], client: api.client)
            #expect(await eventually { stream.events(named: "board").count == 1 })
            let signOut = try await api.request(.DELETE, "/api/v1/session", headers: [cookie, header])
            #expect(signOut.status == 204)
            #expect(signOut.headers["Set-Cookie"].first?.lowercased().contains("max-age=0") == true)
            #expect(try await api.request(.GET, "/api/v1/alerts", headers: [cookie]).status == 401)
            #expect(await eventually { stream.ended })
            #expect(try await api.request(.GET, "/api/v1/alerts/stream", headers: [cookie]).status == 401)

            // A session past its 12 hours is no session.
            let later = try await api.request(.POST, "/api/v1/session", headers: [header], body: #"{"token": "console-secret"}"#)
            let laterCookie = ("Cookie", try #require(later.headers["Set-Cookie"].first?.split(separator: ";").first.map(String.init)))
            #expect(try await api.request(.GET, "/api/v1/alerts", headers: [laterCookie]).status == 200)
            try await gateway.gateway.database.write { db in try db.execute(sql: "UPDATE console_sessions SET expires_at = ?", arguments: [nowMillis() - 1]) }
            #expect(try await api.request(.GET, "/api/v1/alerts", headers: [laterCookie]).status == 401)

            // An installer's session sees devices, not alerts.
            let installer = try await api.request(.POST, "/api/v1/session", headers: [header], body: #"{"token": "installer-secret"}"#)
            let installerCookie = ("Cookie", try #require(installer.headers["Set-Cookie"].first?.split(separator: ";").first.map(String.init)))
            #expect(try await api.request(.GET, "/api/v1/devices", headers: [installerCookie]).status == 200)
            #expect(try await api.request(.GET, "/api/v1/alerts", headers: [installerCookie]).status == 403)
        }
    }

    @Test func theTimelineShowsTransitionsAndMasksNamesAndThePageIsServedFromTheBuild() async throws {
        try await withHTTPGateway(prefix: "console-timeline") { gateway, api, device, _, _ in
            try device.publish("devices/xingfuli/band-1/event", #"{"ts": \#(nowMillis()), "event": "fall_detected"}"#)
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM alerts")) == 1 })
            let fall = try #require(try Self.alertIDs(gateway, device: "band-1").first)
            #expect(try await api.send(.POST, "/api/v1/alerts/\(fall)/ack", token: Self.console, body: #"{"note": "已联系家属"}"#).status == 200)
            let timeline = try await api.send(.GET, "/api/v1/alerts/\(fall)/timeline", token: Self.console)
            #expect(timeline.status == 200)
            let kinds = (timeline.json["transitions"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
            #expect(kinds.first == "opened" && kinds.contains("acknowledged"))
            #expect((timeline.json["alert"] as? [String: Any])?["resident_name"] as? String == "张*华")
            #expect(timeline.json["snapshot"] as? Bool == false)
            #expect(!timeline.text.contains("13812341234") && !timeline.text.contains("张建华"))
            let admin = try await api.send(.GET, "/api/v1/alerts/\(fall)/timeline", token: "admin-secret")
            #expect((admin.json["alert"] as? [String: Any])?["resident_name"] as? String == "张建华")
            #expect(try await api.send(.GET, "/api/v1/alerts/\(fall)/snapshot", token: Self.console).status == 204)
            #expect(try await api.send(.GET, "/api/v1/alerts/\(fall)/snapshot").status == 401)

            let page = try await api.request(.GET, "/console", headers: [])
            #expect(page.status == 200 && page.text.contains("社区报警值班台"))
            #expect(page.headers["Content-Security-Policy"].first?.contains("script-src 'self'") == true)
            for file in ["app.js", "app.css"] {
                #expect(try await api.request(.GET, "/console/\(file)", headers: []).status == 200)
            }
            #expect(try await api.request(.GET, "/console/..%2Fopenapi.yaml", headers: []).status == 404)
            // The page loads nothing from elsewhere (a machine room is often offline).
            #expect(!page.text.contains("http://") && !page.text.contains("https://"))
        }
    }

    @Test func theTimelineShowsTheWorkOrderAndEachDeliveryWithItsStateRecipientsMasked() async throws {
        let workOrders = try HTTPStandIn()
        let messages = try HTTPStandIn()
        try await workOrders.start()
        try await messages.start()
        try await withHTTPGateway(prefix: "console-deliveries", configure: { settings, _ in
            settings.workOrderTarget = DeliveryTarget(kind: .workOrder, url: workOrders.url)
            settings.messageTarget = DeliveryTarget(kind: .message, url: messages.url)
        }) { gateway, api, device, _, _ in
            // A fall: the resident's relatives are told.
            try device.publish("devices/xingfuli/band-1/event", #"{"ts": \#(nowMillis()), "event": "fall_detected"}"#)
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM alerts")) == 1 })
            let fall = try #require(try Self.alertIDs(gateway, device: "band-1").first)
            // Waits for this relative's message itself: the fall sends several, and the first delivered may be another's.
            func sonsMessageDelivered(_ timeline: APIClient.Reply) -> Bool {
                (timeline.json["deliveries"] as? [[String: Any]] ?? []).contains {
                    $0["recipient"] as? String == "儿子 张*明 138****1234" && $0["state"] as? String == "delivered"
                }
            }
            #expect(await eventuallyAsync {
                (try? await api.send(.GET, "/api/v1/alerts/\(fall)/timeline", token: Self.console)).map(sonsMessageDelivered) ?? false
            })
            let timeline = try await api.send(.GET, "/api/v1/alerts/\(fall)/timeline", token: Self.console)
            #expect(sonsMessageDelivered(timeline))
            #expect(!timeline.text.contains("13812341234") && !timeline.text.contains("张小明"))

            // Smoke: a grid work order, whose status the work-order system reports back.
            try device.publish("devices/xingfuli/smoke-1/event", #"{"ts": \#(nowMillis()), "event": "smoke_alarm"}"#)
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM work_orders")) == 1 })
            let smoke = try #require(try Self.alertIDs(gateway, device: "smoke-1").first)
            let status = try await api.send(.POST, "/api/v1/workorders/\(smoke)/status", token: TestRegistry.workOrderToken,
                                            body: #"{"status": "dispatched", "note": "已派网格员"}"#)
            #expect(status.status == 200)
            let order = try await api.send(.GET, "/api/v1/alerts/\(smoke)/timeline", token: Self.console).json["work_order"] as? [String: Any]
            #expect(order?["status"] as? String == "dispatched")
            #expect(order?["supervisions"] as? Int == 0)
            #expect((order?["updates"] as? [[String: Any]])?.last?["note"] as? String == "已派网格员")
        }
        await workOrders.stop()
        await messages.stop()
    }

    @Test func theSnapshotOfAnAlertIsServedOnlyToAnOperator() async throws {
        try await withHTTPGateway(prefix: "console-snapshot") { gateway, api, _, _, _ in
            // A face terminal pushes "door forced open" with its picture.
            let forced = VendorIntegrationTests.multipart(json: VendorIntegrationTests.accessEvent(minor: 27, serial: 7001, at: nowMillis()),
                                                          image: VendorIntegrationTests.jpeg)
            let pushed = try await VendorIntegrationTests.push(api, "/api/v1/push/isapi/door-hik", body: forced,
                                                               contentType: "multipart/form-data; boundary=MIME_boundary_7f3a",
                                                               headers: [("X-Device-Secret", TestRegistry.doorSecret)])
            #expect(pushed.status == 200)
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM alerts WHERE device = 'door-hik'")) == 1 })
            let alert = try #require(try Self.alertIDs(gateway, device: "door-hik").first)
            let timeline = try await api.send(.GET, "/api/v1/alerts/\(alert)/timeline", token: Self.console)
            #expect(timeline.json["snapshot"] as? Bool == true)

            var request = HTTPClientRequest(url: api.base + "/api/v1/alerts/\(alert)/snapshot")
            request.headers.add(name: "Authorization", value: "Bearer \(Self.console)")
            let response = try await api.client.execute(request, timeout: .seconds(10))
            #expect(response.status.code == 200)
            #expect(response.headers["Content-Type"].first == "image/jpeg")
            #expect(response.headers["Cache-Control"].first == "private, no-store")
            let image = Data(try await response.body.collect(upTo: 1 << 22).readableBytesView)
            #expect(image == VendorIntegrationTests.jpeg)
            // Nobody else: no token, a wrong one, the installer.
            #expect(try await api.send(.GET, "/api/v1/alerts/\(alert)/snapshot").status == 401)
            #expect(try await api.send(.GET, "/api/v1/alerts/\(alert)/snapshot", token: "guess").status == 401)
            #expect(try await api.send(.GET, "/api/v1/alerts/\(alert)/snapshot", token: "installer-secret").status == 403)
        }
    }

    static func alert(of event: ServerSentEvent) -> [String: Any]? {
        ((event.json["alert"] as? [String: Any])?["alert"]) as? [String: Any]
    }
}
