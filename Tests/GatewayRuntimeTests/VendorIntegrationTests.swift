import AsyncHTTPClient
import CZlib
import Crypto
import DeviceModel
import Foundation
import GatewayRuntime
import GRDB
import LocalBroker
import NIOCore
import NIOHTTP1
import Testing

/// Vendor formats end to end: Alink, OneNET and IoTDA publishes through the real broker, Hikvision and
/// Dahua pushes through real HTTP requests — each to a stored event and an alert, with the platform's
/// reply, the snapshot on disk and bad input dead-lettered.
@Suite(.serialized) struct VendorIntegrationTests {
    static func withGateway(
        _ body: (RunningGateway, APIClient, TestPublisher, MosquittoBroker, URL) async throws -> Void
    ) async throws {
        try await withHTTPGateway(prefix: "vendor", configure: { settings, directory in
            settings.http?.maxImageBytes = 64 * 1024
            settings.snapshotDirectory = directory.appendingPathComponent("snapshots").path
        }) { gateway, api, device, broker, directory in
            try await body(gateway, api, device, broker, directory.appendingPathComponent("snapshots"))
        }
    }

    @Test func cloudIoTPublishesBecomeEventsAndAlertsAndTheDevicesGetTheirReplies() async throws {
        try await Self.withGateway { gateway, api, device, broker, _ in
            let alinkReplies = try TestSubscriber(broker: broker.url, filter: "/sys/+/+/thing/event/+/post_reply")
            try await alinkReplies.connect()
            let oneNETReplies = try TestSubscriber(broker: broker.url, filter: "$sys/+/+/thing/+/post/reply")
            try await oneNETReplies.connect()
            let console = try TestSubscriber(broker: broker.url, filter: "alerts/#")
            try await console.connect()
            let ts = nowMillis()

            // Alink: a property post (with a reply) and a fall event.
            try device.publish("/sys/a1Band/DN0001/thing/event/property/post",
                               #"{"id":"101","version":"1.0","sys":{"ack":1},"params":{"HeartRate":{"value":76,"time":\#(ts)},"GeoMode":{"value":1,"time":\#(ts)}},"method":"thing.event.property.post"}"#)
            try device.publish("/sys/a1Band/DN0001/thing/event/FallAlarm/post",
                               #"{"id":"102","version":"1.0","params":{"value":{},"time":\#(ts)},"method":"thing.event.FallAlarm.post"}"#)
            // OneNET: a state property that is a smoke alarm.
            try device.publish("$sys/Qm8s/863488052311555/thing/property/post",
                               #"{"id":"201","version":"1.0","params":{"smoke_sensor_status":{"value":"alarm","time":\#(ts)}}}"#)
            // IoTDA: a fall event with the compact time format.
            let compact = Self.compactUTC(ts)
            try device.publish("$oc/devices/64f1_node1/sys/events/up",
                               #"{"services":[{"service_id":"Alarm","event_type":"fall","event_time":"\#(compact)","paras":{}}]}"#)
            // Bad input: not JSON (answered 460 and dead-lettered), an unbound device (dead-lettered).
            try device.publish("/sys/a1Band/DN0001/thing/event/property/post", "{not json")
            try device.publish("$oc/devices/nobody/sys/properties/report", #"{"services":[]}"#)

            #expect(await eventually { console.json().contains { $0["device"] as? String == "band-alink" && $0["rule"] as? String == "elder.fall" } })
            #expect(await eventually { console.json().contains { $0["device"] as? String == "smoke-onenet" && $0["rule"] as? String == "safety.smoke" } })
            #expect(await eventually { console.json().contains { $0["device"] as? String == "band-iotda" && $0["rule"] as? String == "elder.fall" } })
            #expect(await eventually { gateway.deadLetterCount == 2 })
            #expect(try gateway.count("SELECT COUNT(*) FROM events WHERE format = 'alink'") == 3)
            #expect(try gateway.count("SELECT COUNT(*) FROM events WHERE event = 'vendor.unknown' AND body LIKE '%GeoMode%'") == 1)
            #expect(try gateway.count("SELECT COUNT(*) FROM events WHERE format = 'iotda' AND ts = ?", [ts / 1000 * 1000]) == 1)
            #expect(try gateway.count("SELECT COUNT(*) FROM dead_letters WHERE reason = 'unknown_device' AND topic LIKE '$oc/%'") == 1)

            // The malformed post has no `id` to answer: only the two good posts are answered.
            #expect(await eventually { alinkReplies.json(prefix: "/sys/").count == 2 })
            let replies = Dictionary(alinkReplies.json(prefix: "/sys/").map { ($0["id"] as? String ?? "", $0["code"] as? Int ?? 0) },
                                     uniquingKeysWith: { first, _ in first })
            #expect(replies["101"] == 200 && replies["102"] == 200 && replies[""] == nil)
            #expect(alinkReplies.messages.contains { $0.topic == "/sys/a1Band/DN0001/thing/event/property/post_reply" })
            #expect(await eventually { oneNETReplies.json(prefix: "$sys/").first?["code"] as? Int == 200 })

            // A redelivered Alink post is stored once.
            let before = gateway.eventCount
            try device.publish("/sys/a1Band/DN0001/thing/event/FallAlarm/post",
                               #"{"id":"102","version":"1.0","params":{"value":{},"time":\#(ts)},"method":"thing.event.FallAlarm.post"}"#)
            #expect(await eventually { alinkReplies.json(prefix: "/sys/").count == 3 })
            #expect(gateway.eventCount == before)

            let metrics = try await api.send(.GET, "/metrics", token: "metrics-secret")
            #expect(metrics.text.contains(#"gatewayd_ingest_vendor_unknown_codes_total{format="alink"} 1"#))
            await alinkReplies.disconnect()
            await oneNETReplies.disconnect()
            await console.disconnect()
        }
    }

    static func compactUTC(_ millis: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }

    static func isoTime(_ millis: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssxxx"
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }

    static func accessEvent(minor: Int, serial: Int, at millis: Int64) -> String {
        #"""
        {"ipAddress":"10.0.3.21","portNo":80,"protocol":"HTTP","macAddress":"24:0f:9b:00:00:01","channelID":1,
         "dateTime":"\#(isoTime(millis))","activePostCount":1,"eventType":"AccessControllerEvent","eventState":"active",
         "AccessControllerEvent":{"deviceName":"Door","majorEventType":5,"subEventType":\#(minor),"name":"王五",
           "employeeNoString":"2001","serialNo":\#(serial),"doorNo":1,"currentVerifyMode":"face","picturesNumber":1}}
        """#
    }

    /// A multipart body as a Hikvision terminal sends it: the event JSON part, then a JPEG.
    static func multipart(json: String, image: Data, boundary: String = "MIME_boundary_7f3a") -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"AccessControllerEvent\"\r\n")
        buffer.writeString("Content-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)\r\n")
        buffer.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"Picture\"; filename=\"Picture.jpg\"\r\n")
        buffer.writeString("Content-Type: image/jpeg\r\nContent-Length: \(image.count)\r\n\r\n")
        buffer.writeBytes(image)
        buffer.writeString("\r\n--\(boundary)--\r\n")
        return buffer
    }

    static func push(_ api: APIClient, _ path: String, body: ByteBuffer, contentType: String,
                     headers: [(String, String)] = []) async throws -> APIClient.Reply {
        var request = HTTPClientRequest(url: api.base + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(body)
        let response = try await api.client.execute(request, timeout: .seconds(10))
        return APIClient.Reply(status: Int(response.status.code), text: String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    static let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: UInt8(0x42), count: 2000) + [0xFF, 0xD9])

    @Test func aHikvisionMultipartPushWithASnapshotBecomesAStoredEventAndAnAlert() async throws {
        try await Self.withGateway { gateway, api, _, broker, snapshots in
            let console = try TestSubscriber(broker: broker.url, filter: "alerts/#")
            try await console.connect()
            let secret = [("X-Device-Secret", TestRegistry.doorSecret)]
            let now = nowMillis()
            let forced = Self.multipart(json: Self.accessEvent(minor: 27, serial: 5001, at: now), image: Self.jpeg)
            let reply = try await Self.push(api, "/api/v1/push/isapi/door-hik", body: forced,
                                            contentType: "multipart/form-data; boundary=MIME_boundary_7f3a", headers: secret)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["stored"] as? Int == 1)
            let sha = SHA256.hash(data: Self.jpeg).map { String(format: "%02x", $0) }.joined()
            #expect(reply.json["snapshots"] as? [String] == [sha])
            let file = snapshots.appendingPathComponent(String(sha.prefix(2))).appendingPathComponent(sha)
            #expect(try Data(contentsOf: file) == Self.jpeg)
            let body = try await gateway.gateway.database.read { db in
                try String.fetchOne(db, sql: "SELECT body FROM events WHERE device_id = 'door-hik'")
            } ?? ""
            #expect(body.contains(sha) && body.contains("5/27"))
            #expect(try gateway.count("SELECT COUNT(*) FROM events WHERE device_id = 'door-hik' AND event = 'door_forced'") == 1)
            #expect(!body.contains("王五") && !body.contains("2001"))
            #expect(await eventually { console.json().contains { $0["device"] as? String == "door-hik" && $0["rule"] as? String == "access.door_forced" } })

            // A body cut before its closing boundary still yields its event; the unfinished image is dropped.
            var cut = Self.multipart(json: Self.accessEvent(minor: 76, serial: 5004, at: now), image: Self.jpeg)
            cut.moveWriterIndex(to: cut.writerIndex - "\r\n--MIME_boundary_7f3a--\r\n".utf8.count - 100)
            let partial = try await Self.push(api, "/api/v1/push/isapi/door-hik", body: cut,
                                              contentType: "multipart/form-data; boundary=MIME_boundary_7f3a", headers: secret)
            #expect(partial.status == 200 && partial.json["stored"] as? Int == 1 && partial.json["snapshots"] as? [String] == [],
                    "\(partial.text)")

            // The terminal retries the same post: stored once. The passage's other posts are kept.
            let again = try await Self.push(api, "/api/v1/push/isapi/door-hik", body: forced,
                                            contentType: "multipart/form-data; boundary=MIME_boundary_7f3a", headers: secret)
            #expect(again.status == 200 && again.json["duplicates"] as? Int == 1 && again.json["stored"] as? Int == 0)
            for (minor, serial) in [(21, 5002), (25, 5003)] {
                let json = ByteBuffer(string: Self.accessEvent(minor: minor, serial: serial, at: now))
                let plain = try await Self.push(api, "/api/v1/push/isapi/door-hik", body: json, contentType: "application/json",
                                                headers: [("Authorization", "Bearer \(TestRegistry.doorSecret)")])
                #expect(plain.status == 200 && plain.json["stored"] as? Int == 1)
            }
            #expect(try gateway.count("SELECT COUNT(*) FROM events WHERE device_id = 'door-hik'") == 4)

            // XML of older firmware, secret in the URL; the fire lane camera's parking detector.
            let xml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <EventNotificationAlert version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
                <channelID>1</channelID><dateTime>\(Self.isoTime(now))</dateTime><activePostCount>1</activePostCount>
                <eventType>parking</eventType><eventState>active</eventState><eventDescription>parking alarm</eventDescription>
                </EventNotificationAlert>
                """
            let lane = try await Self.push(api, "/api/v1/push/isapi/cam-hik?secret=\(TestRegistry.cameraSecret)",
                                           body: ByteBuffer(string: xml), contentType: "application/xml")
            #expect(lane.status == 200, "\(lane.text)")
            #expect(await eventually { console.json().contains { $0["device"] as? String == "cam-hik" && $0["rule"] as? String == "safety.fire_lane" } })

            // Dahua text with HTTP Basic; an unknown code is kept as vendor.unknown.
            let basic = "Basic " + Data("admin:\(TestRegistry.doorSecret)".utf8).base64EncodedString()
            let dahua = try await Self.push(api, "/api/v1/push/dahua/door-hik",
                                            body: ByteBuffer(string: "Code=BreakIn;action=Pulse;index=0;data={\"UTC\":\(now / 1000),\"RecNo\":77}\nCode=NewThing;action=Pulse;index=0"),
                                            contentType: "text/plain", headers: [("Authorization", basic)])
            #expect(dahua.status == 200 && dahua.json["stored"] as? Int == 2, "\(dahua.text)")
            #expect(try gateway.count("SELECT COUNT(*) FROM events WHERE format = 'dahua' AND event = 'vendor.unknown'") == 1)

            // A deflated Dahua upload is inflated; a deflate bomb and a corrupt body are refused.
            let upload = deflated(Data("Code=DoorNotClosed;action=Start;index=0;data={\"RecNo\":902}".utf8))
            let inflated = try await Self.push(api, "/api/v1/push/dahua/door-hik", body: ByteBuffer(bytes: Array(upload)), contentType: "text/plain",
                                               headers: [("Authorization", basic), ("Content-Encoding", "deflate")])
            #expect(inflated.status == 200 && inflated.json["stored"] as? Int == 1, "\(inflated.text)")
            let bomb = deflated(Data(repeating: 0x20, count: 8 * 1024 * 1024))
            let exploded = try await Self.push(api, "/api/v1/push/dahua/door-hik", body: ByteBuffer(bytes: Array(bomb)), contentType: "text/plain",
                                               headers: [("Authorization", basic), ("Content-Encoding", "deflate")])
            #expect(bomb.count < 64 * 1024 && exploded.status == 413)
            let corrupt = try await Self.push(api, "/api/v1/push/dahua/door-hik", body: ByteBuffer(string: "not deflate"), contentType: "text/plain",
                                              headers: [("Authorization", basic), ("Content-Encoding", "deflate")])
            #expect(corrupt.status == 400)

            // Expired snapshots are deleted with their record.
            let store = SnapshotStore(directory: snapshots, retentionSeconds: 30 * 86_400, database: gateway.gateway.database)
            #expect(try await store.sweep(now: now) == 0)
            #expect(try await store.sweep(now: now + 31 * 86_400_000) == 1)
            #expect(!FileManager.default.fileExists(atPath: file.path))
            #expect(try gateway.count("SELECT COUNT(*) FROM snapshots") == 0)
            await console.disconnect()
        }
    }

    @Test func pushesFromUnknownOrUnauthenticatedSourcesAndMalformedBodiesAreRefusedCountedAndRecorded() async throws {
        try await Self.withGateway { gateway, api, _, _, _ in
            let json = ByteBuffer(string: Self.accessEvent(minor: 27, serial: 9, at: nowMillis()))
            for (path, headers) in [
                ("/api/v1/push/isapi/door-hik", [(String, String)]()),
                ("/api/v1/push/isapi/door-hik", [("X-Device-Secret", "wrong")]),
                ("/api/v1/push/isapi/door-hik", [("X-Device-Secret", TestRegistry.cameraSecret)]),
                ("/api/v1/push/isapi/ghost", [("X-Device-Secret", TestRegistry.doorSecret)]),
                ("/api/v1/push/isapi/band-1", [("X-Device-Secret", TestRegistry.doorSecret)]),
                ("/api/v1/push/isapi/..%2Fetc", [("X-Device-Secret", TestRegistry.doorSecret)]),
            ] {
                let reply = try await Self.push(api, path, body: json, contentType: "application/json", headers: headers)
                #expect(reply.status == 401, "\(path) \(headers) → \(reply.status)")
                #expect((reply.json["error"] as? [String: Any])?["message"] as? String == "unknown device or wrong push secret")
            }
            #expect(gateway.eventCount == 0)
            let metrics = try await api.send(.GET, "/metrics", token: "metrics-secret").text
            #expect(metrics.contains(#"gatewayd_push_refused_total{format="isapi",reason="bad_secret"} 3"#))
            #expect(metrics.contains(#"gatewayd_push_refused_total{format="isapi",reason="unknown_device"} 2"#))
            #expect(metrics.contains(#"gatewayd_push_refused_total{format="isapi",reason="push_not_enabled"} 1"#))

            let secret = [("X-Device-Secret", TestRegistry.doorSecret)]
            let malformed = try await Self.push(api, "/api/v1/push/isapi/door-hik", body: ByteBuffer(string: "{\"eventType\": "),
                                                contentType: "application/json", headers: secret)
            #expect(malformed.status == 400 && (malformed.json["error"] as? [String: Any])?["code"] as? String == "malformed_json")
            let noEvent = try await Self.push(api, "/api/v1/push/isapi/door-hik",
                                              body: Self.multipart(json: "", image: Self.jpeg).withoutJSONPart(),
                                              contentType: "multipart/form-data; boundary=MIME_boundary_7f3a", headers: secret)
            #expect(noEvent.status == 400, "\(noEvent.text)")
            let recorded = try await gateway.gateway.database.read { db in
                try Data.fetchOne(db, sql: "SELECT payload FROM dead_letters WHERE detail LIKE '%no event part%'")
            } ?? Data()
            #expect(!recorded.isEmpty && !recorded.contains(0xD8), "the dead letter names the parts, without the image")
            let big = Data(repeating: 0x11, count: 100 * 1024)
            let oversized = try await Self.push(api, "/api/v1/push/isapi/door-hik",
                                                body: Self.multipart(json: Self.accessEvent(minor: 75, serial: 10, at: nowMillis()), image: big),
                                                contentType: "multipart/form-data; boundary=MIME_boundary_7f3a", headers: secret)
            #expect(oversized.status == 413)
            // A rejected event's images are not kept (here: an ambiguous document with a duplicate key).
            let ambiguous = "{\"eventType\":\"AccessControllerEvent\"," + Self.accessEvent(minor: 75, serial: 11, at: nowMillis()).dropFirst()
            let stale = try await Self.push(api, "/api/v1/push/isapi/door-hik",
                                            body: Self.multipart(json: ambiguous, image: Self.jpeg),
                                            contentType: "multipart/form-data; boundary=MIME_boundary_7f3a", headers: secret)
            #expect(stale.status == 400 && (stale.json["error"] as? [String: Any])?["message"] as? String == #"duplicate key "eventType""#,
                    "\(stale.text)")
            let kept = try await gateway.gateway.database.read { db in
                try Data.fetchOne(db, sql: "SELECT payload FROM dead_letters WHERE detail LIKE 'duplicate key%'")
            } ?? Data()
            let keptText = String(decoding: kept, as: UTF8.self)
            #expect(keptText.contains("subEventType") && !keptText.contains("王五") && !keptText.contains("2001"), "\(keptText)")
            #expect(try gateway.count("SELECT COUNT(*) FROM dead_letters WHERE topic = 'push/isapi/door-hik'") == 3)
            #expect(try gateway.count("SELECT COUNT(*) FROM snapshots") == 0)
            #expect(gateway.eventCount == 0)
        }
    }
}

/// zlib-wrapped deflate of `data` (what `Content-Encoding: deflate` carries).
func deflated(_ data: Data) -> Data {
    var length = compressBound(uLong(data.count))
    var output = [UInt8](repeating: 0, count: Int(length))
    let status = data.withUnsafeBytes { source in
        compress2(&output, &length, source.bindMemory(to: UInt8.self).baseAddress, uLong(data.count), 9)
    }
    precondition(status == Z_OK)
    return Data(output.prefix(Int(length)))
}

private extension ByteBuffer {
    /// The same multipart body with its (empty) JSON part's content type made an image's, so no event part remains.
    func withoutJSONPart() -> ByteBuffer {
        ByteBuffer(string: String(buffer: self).replacingOccurrences(of: "application/json", with: "image/png"))
    }
}
