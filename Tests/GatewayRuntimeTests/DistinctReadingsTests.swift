import AsyncHTTPClient
import DeviceModel
import Foundation
@testable import GatewayRuntime
import LocalBroker
import NIOCore
import NIOHTTP1
import Testing

/// Every distinct reading is kept (issue 12), through the real broker and HTTP push of the daemon running
/// the sample devices.yaml: same-millisecond events, redeliveries, vendor batches without time, partial
/// readings and "no reading" values, device clocks beyond the skew limit, Dahua's JSON events.
@Suite("Distinct readings are all kept", .serialized)
struct DistinctReadingsTests {
    static let band = "devices/xingfuli/xf-0301-band"

    static func withDaemon(_ body: (GatewayDaemon, TestPublisher) async throws -> Void) async throws {
        try await withBroker { broker in
            let daemon = GatewayDaemon(broker: broker.url, directory: try TemporaryDirectory.make(prefix: "distinct"))
            try await daemon.start()
            let device = try TestPublisher(broker: broker.url)
            try await device.connect()
            do {
                try await body(daemon, device)
            } catch {
                await device.disconnect()
                daemon.terminate()
                throw error
            }
            await device.disconnect()
            #expect(daemon.terminate() == 0)
        }
    }

    static func waitFor(_ daemon: GatewayDaemon, _ sql: String, equals value: Int) async -> Bool {
        await eventually(timeout: .seconds(20)) { (try? daemon.count(sql)) == value }
    }

    @Test func sameMillisecondEventsAreTwoRowsAndTwoAlertsAndARedeliveryIsOne() async throws {
        try await Self.withDaemon { daemon, device in
            let ts = nowMillis()
            let fall = #"{"ts": \#(ts), "event": "fall_detected"}"#
            try device.publish("\(Self.band)/event", fall)
            try device.publish("\(Self.band)/event", #"{"ts": \#(ts), "event": "sos"}"#)
            try device.publish("\(Self.band)/event", fall)  // the same message again, as a QoS 1 redelivery is
            try device.publish("\(Self.band)/telemetry", #"{"ts": \#(ts), "metrics": {"battery": 77}}"#)  // a marker after them
            #expect(await Self.waitFor(daemon, "SELECT COUNT(*) FROM events WHERE device_id = 'xf-0301-band' AND channel = 'telemetry'", equals: 1))
            #expect(await Self.waitFor(daemon, "SELECT COUNT(*) FROM alerts WHERE device = 'xf-0301-band' AND rule IN ('elder.fall', 'elder.sos')", equals: 2))
            #expect(try daemon.count("SELECT COUNT(*) FROM events WHERE device_id = 'xf-0301-band' AND channel = 'event'") == 2)
        }
    }

    @Test func aVendorBatchWithoutTimesIsTwentyRowsInOrder() async throws {
        try await Self.withDaemon { daemon, device in
            let topic = "/sys/a1Hb7ElderW/868120301239876/thing/event/property/post"
            for index in 0..<20 {
                try device.publish(topic, #"{"id":"\#(900 + index)","version":"1.0","params":{"HeartRate":\#(60 + index)}}"#)
            }
            #expect(await Self.waitFor(daemon, "SELECT COUNT(*) FROM events WHERE device_id = 'xf-0602-band'", equals: 20))
            let rates = try (0..<20).map { offset in
                try daemon.count("SELECT json_extract(body, '$.heart_rate') FROM events WHERE device_id = 'xf-0602-band' ORDER BY id LIMIT 1 OFFSET \(offset)")
            }
            #expect(rates == Array(60..<80))
        }
    }

    @Test func aNoReadingValueIsAbsentAndTheHeartRateBesideItRaisesItsSustainedAlert() async throws {
        try await Self.withDaemon { daemon, device in
            let now = nowMillis()
            for secondsAgo in [180, 120, 60, 0] {
                try device.publish("\(Self.band)/telemetry", #"{"ts": \#(now - Int64(secondsAgo) * 1000), "metrics": {"heart_rate": 140, "spo2": 0}}"#)
            }
            #expect(await Self.waitFor(daemon, "SELECT COUNT(*) FROM alerts WHERE rule = 'elder.heart_rate_high' AND device = 'xf-0301-band'", equals: 1))
            #expect(try daemon.count("SELECT COUNT(*) FROM events WHERE device_id = 'xf-0301-band' AND body = '{\"heart_rate\":140}' AND field_problems IS NULL") == 4)
            #expect(try daemon.count("SELECT COUNT(*) FROM dead_letters") == 0)
            // An unknown metric beside a known one: the known one is stored, the other recorded and counted.
            try device.publish("\(Self.band)/telemetry", #"{"ts": \#(now + 1), "metrics": {"heart_rate": 72, "hrv_ms": 41}}"#)
            #expect(await Self.waitFor(daemon, "SELECT COUNT(*) FROM events WHERE field_problems LIKE '%unknown_metric%hrv_ms%' OR field_problems LIKE '%hrv_ms%unknown_metric%'", equals: 1))
            var scrape = HTTPClientRequest(url: "\(daemon.base)/metrics")
            scrape.headers.add(name: "Authorization", value: "Bearer demo-metrics-token")
            let metrics = try await HTTPClient.shared.execute(scrape, timeout: .seconds(5))
            let text = String(buffer: try await metrics.body.collect(upTo: 1 << 22))
            #expect(text.contains(#"gatewayd_ingest_fields_rejected_total{reason="unknown_metric"} 1"#),
                    "\(text.split(separator: "\n").filter { $0.contains("fields_rejected") })")
        }
    }

    @Test func aSkewedDeviceClockIsKeptFlaggedAndRaisesOneMaintenanceAlert() async throws {
        try await Self.withDaemon { daemon, device in
            let now = nowMillis()
            let dayAhead = now + 86_400_000
            try device.publish("\(Self.band)/telemetry", #"{"ts": \#(dayAhead), "metrics": {"heart_rate": 70}}"#)
            try device.publish("\(Self.band)/telemetry", #"{"ts": \#(dayAhead + 1000), "metrics": {"heart_rate": 71}}"#)
            #expect(await Self.waitFor(daemon, "SELECT COUNT(*) FROM events WHERE device_id = 'xf-0301-band' AND clock_skew_ms > 86000000 AND format = 'canonical'", equals: 2))
            #expect(await Self.waitFor(daemon, "SELECT COUNT(*) FROM alerts WHERE rule = 'device.clock_skew' AND device = 'xf-0301-band' AND state = 'open'", equals: 1))
            // Both skewed readings raised one alert; the clock is right again: the maintenance alert resolves.
            try device.publish("\(Self.band)/telemetry", #"{"ts": \#(now), "metrics": {"heart_rate": 72}}"#)
            #expect(await Self.waitFor(daemon, "SELECT COUNT(*) FROM alerts WHERE rule = 'device.clock_skew' AND state = 'resolved'", equals: 1))
            #expect(try daemon.count("SELECT COUNT(*) FROM alerts WHERE rule = 'device.clock_skew'") == 1)
        }
    }

    @Test func dahuaJSONEventsAreStoredWithTheirNativeCode() async throws {
        try await Self.withDaemon { daemon, _ in
            let utc = nowMillis() / 1000
            var request = HTTPClientRequest(url: "\(daemon.base)/api/v1/push/dahua/xf-b6u1-door")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "X-Device-Secret", value: "demo-push-xf-b6u1-door")
            request.body = .bytes(ByteBuffer(string: #"""
                [{"Code":"BreakIn","Action":"Pulse","Index":0,"Data":{"UTC":\#(utc),"RecNo":5}},
                 {"Code":"NewThing","Action":"Pulse","Index":1,"Data":{"UTC":\#(utc),"RecNo":6}}]
                """#))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
            #expect(response.status.code == 200 && text.contains(#""stored":2"#), "\(text)")
            #expect(try daemon.count("SELECT COUNT(*) FROM events WHERE device_id = 'xf-b6u1-door' AND event = 'door_forced' AND json_extract(body, '$.native_code') = 'BreakIn'") == 1)
            #expect(try daemon.count("SELECT COUNT(*) FROM events WHERE device_id = 'xf-b6u1-door' AND event = 'vendor.unknown' AND json_extract(body, '$.native_code') = 'NewThing'") == 1)
        }
    }
}

/// The gateway's own clock judged from many devices at once.
@Suite struct GatewayClockSuspicionTests {
    @Test func manyDevicesSkewedTheSameWayMakeTheGatewayClockSuspect() {
        let watch = ClockWatch()
        let now: Int64 = 1_763_900_000_000
        func message(_ device: String, skew: Int64?) -> DeviceMessage {
            var message = DeviceMessage(deviceID: device, community: "c1", ts: now + (skew ?? 0), body: .status(online: true), format: "canonical")
            message.clockSkewMillis = skew
            return message
        }
        for index in 0..<3 { _ = watch.observe(message("ok-\(index)", skew: nil), receivedAt: now) }
        for index in 0..<4 { _ = watch.observe(message("ahead-\(index)", skew: 3_600_000), receivedAt: now) }
        #expect(watch.assess(now: now) == nil && watch.suspicion == nil)  // 4 of 7: not yet
        let events = watch.observe(message("ahead-4", skew: 3_600_000), receivedAt: now)
        #expect(events.map(\.eventName) == ["device.clock_skew"])
        #expect(watch.observe(message("ahead-4", skew: 3_600_000), receivedAt: now).isEmpty)  // once per device
        #expect(watch.assess(now: now + 1) == nil)  // judged at most every 10 s
        let verdict = watch.assess(now: now + ClockWatch.assessInterval)
        #expect(verdict?.contains("5 of 8 devices") == true && verdict?.contains("ahead of") == true, "\(verdict ?? "-")")
        #expect(watch.assess(now: now + 2 * ClockWatch.assessInterval) == nil && watch.suspicion != nil)  // logged once, still reported
        #expect(watch.observe(message("ahead-4", skew: nil), receivedAt: now).map(\.eventName) == ["device.clock_ok"])
    }
}
