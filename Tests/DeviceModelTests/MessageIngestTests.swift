import Foundation
import Testing
@testable import DeviceModel

/// One input that must be rejected, with the reason, the device it must be attributed to and a stable
/// fragment of the detail.
struct RejectCase: Sendable, CustomTestStringConvertible {
    var label: String
    var topic: String
    var payload: String
    var reason: Rejection.Reason
    var deviceID: String?
    var detail: String?

    init(_ label: String, _ topic: String, _ payload: String, _ reason: Rejection.Reason, deviceID: String?,
         detail: String? = nil) {
        self.label = label
        self.topic = topic
        self.payload = payload
        self.reason = reason
        self.deviceID = deviceID
        self.detail = detail
    }

    var testDescription: String { "\(label) → \(reason.rawValue)" }
}

/// One input that must be accepted.
struct AcceptCase: Sendable, CustomTestStringConvertible {
    var label: String
    var topic: String
    var payload: String

    init(_ label: String, _ topic: String, _ payload: String) {
        self.label = label
        self.topic = topic
        self.payload = payload
    }

    var testDescription: String { label }
}

private let now = Fixture.now
private let wb = Fixture.wristband
private let smoke = Fixture.smokeSensor
private let door = Fixture.accessTerminal
private let gas = Fixture.decommissionedGasSensor

private func topic(_ device: String, _ channel: Channel, community: String = Fixture.community) -> String {
    "devices/\(community)/\(device)/\(channel.rawValue)"
}

private func telemetry(_ metrics: String, ts: Int64 = Fixture.now) -> String {
    #"{"ts": \#(ts), "metrics": {\#(metrics)}}"#
}

private func event(_ name: String, ts: Int64 = Fixture.now) -> String {
    #"{"ts": \#(ts), "event": "\#(name)"}"#
}

private func status(_ online: Bool = true, ts: Int64 = Fixture.now) -> String {
    #"{"ts": \#(ts), "online": \#(online)}"#
}

extension IngestOutcome {
    var messages: [DeviceMessage]? { if case let .accepted(messages) = self { messages } else { nil } }
    var rejection: Rejection? { if case let .rejected(rejection) = self { rejection } else { nil } }
}

@Suite("MessageIngest")
struct MessageIngestTests {
    let registry: DeviceRegistry

    init() throws {
        registry = try Fixture.registry()
    }

    func process(_ topic: String, _ payload: String, policy: IngestPolicy = IngestPolicy(), now: Int64 = Fixture.now)
        -> IngestOutcome {
        process(topic, Data(payload.utf8), policy: policy, now: now)
    }

    func process(_ topic: String, _ payload: Data, policy: IngestPolicy = IngestPolicy(), now: Int64 = Fixture.now)
        -> IngestOutcome {
        MessageIngest(policy: policy).process(topic: topic, payload: payload, registry: registry, now: now)
    }

    func expectRejected(_ c: RejectCase, policy: IngestPolicy = IngestPolicy(),
                        sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let outcome = process(c.topic, c.payload, policy: policy)
        guard let rejection = outcome.rejection else {
            Issue.record("expected \(c.reason.rawValue), got \(outcome)", sourceLocation: sourceLocation)
            return
        }
        #expect(rejection.reason == c.reason, "\(rejection)", sourceLocation: sourceLocation)
        #expect(rejection.deviceID == c.deviceID, sourceLocation: sourceLocation)
        if let fragment = c.detail {
            #expect(rejection.detail.contains(fragment), "detail: \(rejection.detail)", sourceLocation: sourceLocation)
        }
    }

    func expectAccepted(_ topic: String, _ payload: String, policy: IngestPolicy = IngestPolicy(),
                        now: Int64 = Fixture.now,
                        sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let outcome = process(topic, payload, policy: policy, now: now)
        #expect(outcome.messages?.count == 1, "\(outcome)", sourceLocation: sourceLocation)
    }

    // MARK: - Accepted

    @Test("valid telemetry is accepted as one canonical message")
    func acceptsTelemetry() {
        let payload = telemetry(#""heart_rate": 72, "spo2": 97.5"#)
        let outcome = process(topic(wb, .telemetry), payload)
        let expected = DeviceMessage(
            deviceID: wb, community: Fixture.community, ts: now,
            body: .telemetry(["heart_rate": 72, "spo2": 97.5]), format: "canonical",
            nativeKey: "h:" + MessageIdentity.digest(Data(payload.utf8))
        )
        #expect(outcome == .accepted([expected]))
        #expect(outcome.messages?.first?.channel == .telemetry)
        #expect(outcome.messages?.first?.eventName == nil)
    }

    @Test("valid event is accepted with its data kept as sent")
    func acceptsEventWithData() {
        let payload = #"""
            {"ts": 1763900000000, "event": "fall_detected",
             "data": {"confidence": 0.93, "room": "bedroom", "flags": [true, null], "nested": {"k": 1}}}
            """#
        let outcome = process(topic(wb, .event), payload)
        let data: [String: JSONValue] = [
            "confidence": .number(0.93),
            "room": .string("bedroom"),
            "flags": .array([.bool(true), .null]),
            "nested": .object(["k": .number(1)]),
        ]
        let expected = DeviceMessage(
            deviceID: wb, community: Fixture.community, ts: now, body: .event(name: "fall_detected", data: data),
            format: "canonical", nativeKey: "h:" + MessageIdentity.digest(Data(payload.utf8))
        )
        #expect(outcome == .accepted([expected]))
        #expect(outcome.messages?.first?.channel == .event)
        #expect(outcome.messages?.first?.eventName == "fall_detected")
    }

    @Test("an event without data has empty data")
    func acceptsEventWithoutData() {
        let outcome = process(topic(door, .event), event("door_forced"))
        #expect(outcome.messages?.first?.body == .event(name: "door_forced", data: [:]))
    }

    @Test("valid status is accepted", arguments: [true, false])
    func acceptsStatus(_ online: Bool) {
        let outcome = process(topic(smoke, .status), status(online))
        let expected = DeviceMessage(
            deviceID: smoke, community: Fixture.community, ts: now, body: .status(online: online), format: "canonical",
            nativeKey: "h:" + MessageIdentity.digest(Data(status(online).utf8))
        )
        #expect(outcome == .accepted([expected]))
        #expect(outcome.messages?.first?.channel == .status)
    }

    @Test("unknown top-level keys are ignored")
    func ignoresUnknownKeys() {
        let payload = #"{"fw": "1.2.3", "ts": 1763900000000, "seq": 7, "metrics": {"smoke_value": 12}, "extra": null}"#
        let outcome = process(topic(smoke, .telemetry), payload)
        #expect(outcome.messages?.first?.body == .telemetry(["smoke_value": 12]))
    }

    @Test("each live device type is accepted on each channel", arguments: [
        AcceptCase("wristband telemetry", topic(wb, .telemetry), telemetry(#""steps": 1200, "worn": 1, "battery": 80"#)),
        AcceptCase("wristband event", topic(wb, .event), event("sos")),
        AcceptCase("wristband status", topic(wb, .status), status(false)),
        AcceptCase("smoke telemetry", topic(smoke, .telemetry), telemetry(#""smoke_value": 3, "device_temp": 24.5"#)),
        AcceptCase("smoke event", topic(smoke, .event), event("smoke_alarm")),
        AcceptCase("smoke status", topic(smoke, .status), status()),
        AcceptCase("access terminal telemetry", topic(door, .telemetry), telemetry(#""door_open_s": 12, "rssi": -70"#)),
        AcceptCase("access terminal event", topic(door, .event), event("face_auth_passed")),
        AcceptCase("access terminal status", topic(door, .status), status()),
    ])
    func acceptsEachType(_ c: AcceptCase) {
        expectAccepted(c.topic, c.payload)
    }

    @Test("processing is deterministic")
    func deterministic() {
        let a = process(topic(wb, .telemetry), telemetry(#""heart_rate": 72"#))
        let b = process(topic(wb, .telemetry), telemetry(#""heart_rate": 72"#))
        #expect(a == b)
    }

    // MARK: - payload_too_large

    @Test("a payload over the limit is rejected unread")
    func payloadTooLarge() {
        let policy = IngestPolicy(maxPayloadBytes: 16)
        let outcome = process(topic(wb, .telemetry), telemetry(#""heart_rate": 72"#), policy: policy)
        #expect(outcome.rejection?.reason == .payloadTooLarge)
        #expect(outcome.rejection?.deviceID == nil)
        #expect(outcome.rejection?.detail.contains("(limit 16)") == true)
    }

    @Test("a payload exactly at the limit is read; one byte over is not")
    func payloadAtLimit() {
        let payload = telemetry(#""heart_rate": 72"#)
        let size = payload.utf8.count
        expectAccepted(topic(wb, .telemetry), payload, policy: IngestPolicy(maxPayloadBytes: size))
        let over = process(topic(wb, .telemetry), payload, policy: IngestPolicy(maxPayloadBytes: size - 1))
        #expect(over.rejection?.reason == .payloadTooLarge)
        #expect(over.rejection?.detail.contains("payload is \(size) bytes") == true)
    }

    @Test("the size limit is checked before the topic")
    func sizeBeforeTopic() {
        let outcome = process("not/a/device/topic/at/all", String(repeating: "x", count: 100),
                              policy: IngestPolicy(maxPayloadBytes: 10))
        #expect(outcome.rejection?.reason == .payloadTooLarge)
    }

    @Test("the default limit is 64 KiB")
    func defaultLimit() {
        #expect(IngestPolicy().maxPayloadBytes == 65_536)
        let outcome = process(topic(wb, .telemetry), Data(repeating: 0x20, count: 65_537))
        #expect(outcome.rejection?.reason == .payloadTooLarge)
    }

    // MARK: - Topic and device

    @Test("topic and device problems", arguments: [
        RejectCase("too few levels", "devices/c1/wb-1", telemetry(#""heart_rate": 72"#), .badTopic, deviceID: nil),
        RejectCase("too many levels", "devices/c1/wb-1/telemetry/x", telemetry(#""heart_rate": 72"#), .badTopic,
                   deviceID: nil),
        RejectCase("bare prefix", "devices", telemetry(#""heart_rate": 72"#), .badTopic, deviceID: nil),
        RejectCase("wrong prefix", "sensors/c1/wb-1/telemetry", telemetry(#""heart_rate": 72"#), .badTopic,
                   deviceID: nil, detail: "no decoder handles this topic"),
        RejectCase("empty topic", "", telemetry(#""heart_rate": 72"#), .badTopic, deviceID: nil),
        RejectCase("wildcard in device id", "devices/c1/wb+1/telemetry", telemetry(#""heart_rate": 72"#), .badTopic,
                   deviceID: nil),
        RejectCase("bad channel", "devices/c1/wb-1/metrics", telemetry(#""heart_rate": 72"#), .unknownChannel,
                   deviceID: wb),
        RejectCase("unknown device", topic("nope-7", .telemetry), telemetry(#""heart_rate": 72"#), .unknownDevice,
                   deviceID: "nope-7", detail: #""nope-7" is not registered"#),
        RejectCase("other registered community", topic(wb, .telemetry, community: Fixture.otherCommunity),
                   telemetry(#""heart_rate": 72"#), .communityMismatch, deviceID: wb,
                   detail: #"registered in community "c1", published under "c2""#),
        RejectCase("unregistered community", topic(smoke, .status, community: "zz"), status(), .communityMismatch,
                   deviceID: smoke, detail: #"published under "zz""#),
    ])
    func topicAndDevice(_ c: RejectCase) {
        expectRejected(c)
    }

    @Test("an ingest without decoders handles no topic")
    func noDecoders() {
        let ingest = MessageIngest(decoders: [])
        let outcome = ingest.process(topic: topic(wb, .telemetry), payload: Data(telemetry(#""heart_rate": 72"#).utf8),
                                     registry: registry, now: now)
        #expect(outcome.rejection?.reason == .badTopic)
        #expect(outcome.rejection?.detail == "no decoder handles this topic")
    }

    // MARK: - device_decommissioned

    @Test("a decommissioned device is rejected on every channel", arguments: [
        RejectCase("telemetry", topic(gas, .telemetry), telemetry(#""lel": 5"#), .deviceDecommissioned, deviceID: gas),
        RejectCase("event", topic(gas, .event), event("gas_alarm"), .deviceDecommissioned, deviceID: gas),
        RejectCase("status", topic(gas, .status), status(), .deviceDecommissioned, deviceID: gas),
        RejectCase("future ts", topic(gas, .status), status(ts: now + 86_400_000), .deviceDecommissioned, deviceID: gas),
    ])
    func decommissioned(_ c: RejectCase) {
        expectRejected(c)
    }

    // MARK: - malformed_json

    @Test("payloads that are not JSON", arguments: [
        RejectCase("empty", topic(wb, .telemetry), "", .malformedJSON, deviceID: wb, detail: "empty payload"),
        RejectCase("empty status", topic(wb, .status), "", .malformedJSON, deviceID: wb, detail: "empty payload"),
        RejectCase("truncated", topic(wb, .telemetry), #"{"ts": 1763900000000, "metrics": {"heart_rate": 72}"#,
                   .malformedJSON, deviceID: wb, detail: "not valid JSON"),
        RejectCase("truncated event", topic(wb, .event), #"{"ts": 1763900000000, "event": "so"#, .malformedJSON,
                   deviceID: wb, detail: "not valid JSON"),
        RejectCase("open brace", topic(smoke, .status), "{", .malformedJSON, deviceID: smoke, detail: "not valid JSON"),
        RejectCase("text", topic(smoke, .status), "online", .malformedJSON, deviceID: smoke, detail: "not valid JSON"),
        RejectCase("single quotes", topic(smoke, .status), "{'ts': 1, 'online': true}", .malformedJSON,
                   deviceID: smoke, detail: "not valid JSON"),
    ])
    func malformed(_ c: RejectCase) {
        expectRejected(c)
    }

    @Test("bytes that are not UTF-8 are malformed JSON")
    func notUTF8() {
        let outcome = process(topic(wb, .telemetry), Data([0xFF, 0xFE, 0x7B, 0x00]))
        #expect(outcome.rejection?.reason == .malformedJSON)
        #expect(outcome.rejection?.deviceID == wb)
    }

    // MARK: - invalid_payload

    @Test("JSON that does not match the format names the field", arguments: [
        RejectCase("missing ts", topic(wb, .telemetry), #"{"metrics": {"heart_rate": 72}}"#, .invalidPayload,
                   deviceID: wb, detail: "missing field `ts`"),
        RejectCase("ts as string", topic(wb, .telemetry), #"{"ts": "1763900000000", "metrics": {"heart_rate": 72}}"#,
                   .invalidPayload, deviceID: wb, detail: "field `ts` must be an integer"),
        RejectCase("ts null", topic(wb, .telemetry), #"{"ts": null, "metrics": {"heart_rate": 72}}"#,
                   .invalidPayload, deviceID: wb, detail: "field `ts` is null"),
        RejectCase("missing metrics", topic(wb, .telemetry), #"{"ts": 1763900000000}"#, .invalidPayload,
                   deviceID: wb, detail: "missing field `metrics`"),
        RejectCase("metrics not an object", topic(wb, .telemetry), #"{"ts": 1763900000000, "metrics": [72]}"#,
                   .invalidPayload, deviceID: wb, detail: "field `metrics` must be an object"),
        RejectCase("metric as string", topic(wb, .telemetry), telemetry(#""heart_rate": "72""#), .invalidPayload,
                   deviceID: wb, detail: "`heart_rate` is not a number"),
        RejectCase("metric as true", topic(wb, .telemetry), telemetry(#""heart_rate": true"#), .invalidPayload,
                   deviceID: wb, detail: "`heart_rate` is not a number"),
        RejectCase("metric null", topic(wb, .telemetry), telemetry(#""heart_rate": null"#), .invalidPayload,
                   deviceID: wb, detail: "`heart_rate` is not a number"),
        RejectCase("metrics empty", topic(wb, .telemetry), telemetry(""), .invalidPayload, deviceID: wb,
                   detail: "`metrics` is empty"),
        RejectCase("top-level array", topic(wb, .telemetry), "[1, 2]", .invalidPayload, deviceID: wb),
        RejectCase("event missing ts", topic(wb, .event), #"{"event": "sos"}"#, .invalidPayload, deviceID: wb,
                   detail: "missing field `ts`"),
        RejectCase("event missing name", topic(wb, .event), #"{"ts": 1763900000000}"#, .invalidPayload,
                   deviceID: wb, detail: "missing field `event`"),
        RejectCase("event name as number", topic(wb, .event), #"{"ts": 1763900000000, "event": 3}"#,
                   .invalidPayload, deviceID: wb, detail: "field `event` must be a string"),
        RejectCase("event data not an object", topic(wb, .event), #"{"ts": 1763900000000, "event": "sos", "data": 5}"#,
                   .invalidPayload, deviceID: wb, detail: "field `data` must be an object"),
        RejectCase("status missing online", topic(smoke, .status), #"{"ts": 1763900000000}"#, .invalidPayload,
                   deviceID: smoke, detail: "missing field `online`"),
        RejectCase("online as string", topic(smoke, .status), #"{"ts": 1763900000000, "online": "true"}"#,
                   .invalidPayload, deviceID: smoke, detail: "field `online` must be true or false"),
        RejectCase("online as number", topic(smoke, .status), #"{"ts": 1763900000000, "online": 1}"#,
                   .invalidPayload, deviceID: smoke, detail: "field `online` must be true or false"),
        RejectCase("status missing ts", topic(smoke, .status), #"{"online": true}"#, .invalidPayload,
                   deviceID: smoke, detail: "missing field `ts`"),
    ])
    func invalidPayload(_ c: RejectCase) {
        expectRejected(c)
    }

    /// Numbers that do not fit the field (a fraction where an integer belongs), or any number at all
    /// (beyond 64-bit integers or double precision: `number_out_of_range`, found before decoding).
    @Test("numbers that do not fit the field are rejected", arguments: [
        (#"{"ts": 1763900000000.5, "metrics": {"heart_rate": 72}}"#, Rejection.Reason.invalidPayload),
        (#"{"ts": 99999999999999999999, "metrics": {"heart_rate": 72}}"#, .numberOutOfRange),
        (#"{"ts": 1763900000000, "metrics": {"heart_rate": 1e400}}"#, .numberOutOfRange),
    ])
    func unrepresentableNumbers(_ payload: String, _ reason: Rejection.Reason) {
        let rejection = process(topic(wb, .telemetry), payload).rejection
        #expect(rejection?.reason == reason || (reason == .invalidPayload && rejection?.reason == .malformedJSON))
        #expect(rejection?.deviceID == wb)
    }

    // MARK: - unknown_metric, value_out_of_range, unknown_event

    @Test("metrics the device type does not report", arguments: [
        RejectCase("gas metric on wristband", topic(wb, .telemetry), telemetry(#""lel": 5"#), .unknownMetric,
                   deviceID: wb, detail: "a wristband does not report `lel`"),
        RejectCase("vital sign on smoke sensor", topic(smoke, .telemetry), telemetry(#""heart_rate": 72"#),
                   .unknownMetric, deviceID: smoke, detail: "a smoke_sensor does not report `heart_rate`"),
    ])
    func unknownMetric(_ c: RejectCase) {
        expectRejected(c)
    }

    @Test("values exactly at the bounds are accepted", arguments: [
        (wb, "spo2", "100"), (wb, "spo2", "50"), (wb, "heart_rate", "20"), (wb, "heart_rate", "250"),
        (wb, "body_temp", "30"), (wb, "body_temp", "45.0"), (wb, "worn", "0"), (wb, "worn", "1"),
        (wb, "rssi", "-140"), (wb, "rssi", "0"), (wb, "battery", "0"), (wb, "battery", "100"),
        (smoke, "smoke_value", "0"), (smoke, "smoke_value", "1000"), (smoke, "device_temp", "-40"),
        (door, "door_open_s", "86400"),
    ])
    func boundsAccepted(_ device: String, _ metric: String, _ value: String) {
        expectAccepted(topic(device, .telemetry), telemetry(#""\#(metric)": \#(value)"#))
    }

    @Test("values just outside the bounds are rejected", arguments: [
        RejectCase("spo2 101", topic(wb, .telemetry), telemetry(#""spo2": 101"#), .valueOutOfRange, deviceID: wb,
                   detail: "`spo2` = 101 % is outside 50…100"),
        RejectCase("spo2 100.1", topic(wb, .telemetry), telemetry(#""spo2": 100.1"#), .valueOutOfRange, deviceID: wb,
                   detail: "`spo2` = 100.1 % is outside 50…100"),
        RejectCase("spo2 49.9", topic(wb, .telemetry), telemetry(#""spo2": 49.9"#), .valueOutOfRange, deviceID: wb,
                   detail: "`spo2`"),
        RejectCase("heart_rate 19", topic(wb, .telemetry), telemetry(#""heart_rate": 19"#), .valueOutOfRange,
                   deviceID: wb, detail: "`heart_rate` = 19 /min is outside 20…250"),
        RejectCase("heart_rate 19.9", topic(wb, .telemetry), telemetry(#""heart_rate": 19.9"#), .valueOutOfRange,
                   deviceID: wb, detail: "`heart_rate`"),
        RejectCase("heart_rate 251", topic(wb, .telemetry), telemetry(#""heart_rate": 251"#), .valueOutOfRange,
                   deviceID: wb, detail: "`heart_rate`"),
        RejectCase("rssi positive", topic(wb, .telemetry), telemetry(#""rssi": 1"#), .valueOutOfRange, deviceID: wb,
                   detail: "`rssi` = 1 dBm is outside -140…0"),
        RejectCase("smoke over 1000", topic(smoke, .telemetry), telemetry(#""smoke_value": 1000.5"#),
                   .valueOutOfRange, deviceID: smoke, detail: "`smoke_value` = 1000.5"),
        RejectCase("smoke negative", topic(smoke, .telemetry), telemetry(#""smoke_value": -1"#), .valueOutOfRange,
                   deviceID: smoke, detail: "`smoke_value` = -1"),
        RejectCase("battery 101", topic(door, .telemetry), telemetry(#""battery": 101"#), .valueOutOfRange,
                   deviceID: door, detail: "`battery` = 101 % is outside 0…100"),
    ])
    func outOfRange(_ c: RejectCase) {
        expectRejected(c)
    }

    @Test("events the device type does not send", arguments: [
        RejectCase("smoke alarm from wristband", topic(wb, .event), event("smoke_alarm"), .unknownEvent, deviceID: wb,
                   detail: "a wristband does not send event `smoke_alarm`"),
        RejectCase("fall from access terminal", topic(door, .event), event("fall_detected"), .unknownEvent,
                   deviceID: door, detail: "does not send event `fall_detected`"),
        RejectCase("empty name", topic(smoke, .event), event(""), .unknownEvent, deviceID: smoke),
        RejectCase("wrong case", topic(smoke, .event), event("SMOKE_ALARM"), .unknownEvent, deviceID: smoke),
    ])
    func unknownEvent(_ c: RejectCase) {
        expectRejected(c)
    }

    // MARK: - Partial readings

    @Test("a reading keeps its valid fields and records the others")
    func partialReadings() throws {
        let outcome = process(topic(wb, .telemetry), telemetry(#""heart_rate": 140, "spo2": 120, "HeartRate": 72, "steps": "many""#))
        let message = try #require(outcome.messages?.first, "\(outcome)")
        #expect(message.body == .telemetry(["heart_rate": 140]))
        #expect(message.fieldProblems.map(\.field) == ["HeartRate", "spo2", "steps"])
        #expect(message.fieldProblems.map(\.reason) == [.unknownMetric, .valueOutOfRange, .invalidPayload])
        // An unknown metric beside a known one on another type: the known one is kept.
        let door = process(topic(door, .telemetry), telemetry(#""battery": 50, "smoke_value": 1"#))
        #expect(door.messages?.first?.body == .telemetry(["battery": 50]))
        #expect(door.messages?.first?.fieldProblems.first?.detail == "a access_terminal does not report `smoke_value`")
    }

    @Test("no-reading values of the catalogue are absent, not bad", arguments: ["0", "127", "255"])
    func noReadingSentinels(_ spo2: String) throws {
        let outcome = process(topic(wb, .telemetry), telemetry(#""heart_rate": 140, "spo2": \#(spo2)"#))
        let message = try #require(outcome.messages?.first, "\(outcome)")
        #expect(message.body == .telemetry(["heart_rate": 140]) && message.fieldProblems.isEmpty)
        #expect(process(topic(wb, .telemetry), telemetry(#""heart_rate": 0, "spo2": 0"#)).rejection?.detail == "every metric is a no-reading value")
    }

    // MARK: - Timestamps

    @Test("a timestamp exactly at now + skew is in limits; one ms beyond is kept, flagged with its skew")
    func futureBoundary() throws {
        let skew = IngestPolicy().maxFutureSkewMillis
        #expect(skew == 300_000)
        #expect(process(topic(wb, .telemetry), telemetry(#""heart_rate": 72"#, ts: now + skew)).messages?.first?.clockSkewMillis == nil)
        let outcome = process(topic(wb, .telemetry), telemetry(#""heart_rate": 72"#, ts: now + skew + 1))
        let message = try #require(outcome.messages?.first, "\(outcome)")
        #expect(message.clockSkewMillis == skew + 1 && message.ts == now + skew + 1)
    }

    @Test("the future skew follows the policy", arguments: [Channel.telemetry, .event, .status])
    func futureSkewPolicy(_ channel: Channel) {
        let policy = IngestPolicy(maxFutureSkewMillis: 1_000)
        let payload: (Int64) -> String = { ts in
            switch channel {
            case .telemetry: telemetry(#""heart_rate": 72"#, ts: ts)
            case .event: event("sos", ts: ts)
            case .status: status(ts: ts)
            }
        }
        #expect(process(topic(wb, channel), payload(now + 1_000), policy: policy).messages?.first?.clockSkewMillis == nil)
        let outcome = process(topic(wb, channel), payload(now + 1_001), policy: policy)
        #expect(outcome.messages?.first?.clockSkewMillis == 1_001)
    }

    @Test("the largest possible timestamp is kept with a saturated skew, not a crash")
    func maxTimestamp() {
        let outcome = process(topic(wb, .status), status(ts: .max))
        #expect((outcome.messages?.first?.clockSkewMillis ?? 0) > 0)
    }

    @Test("a timestamp exactly max-age old is in limits; one ms older is kept, flagged")
    func ageBoundary() {
        let maxAge = IngestPolicy().maxAgeMillis
        #expect(maxAge == 7 * 86_400_000)
        #expect(process(topic(smoke, .event), event("smoke_alarm", ts: now - maxAge)).messages?.first?.clockSkewMillis == nil)
        let outcome = process(topic(smoke, .event), event("smoke_alarm", ts: now - maxAge - 1))
        #expect(outcome.messages?.first?.clockSkewMillis == -(maxAge + 1))
    }

    @Test("timestamps of zero and below are kept, flagged as a wrong clock", arguments: [Int64(0), -1, -1_763_900_000_000])
    func ancientTimestamps(_ ts: Int64) {
        let outcome = process(topic(door, .status), status(ts: ts))
        #expect((outcome.messages?.first?.clockSkewMillis ?? 0) < 0)
    }

    @Test("the smallest possible timestamp is kept with a saturated skew, not a crash")
    func minTimestamp() {
        let outcome = process(topic(wb, .status), status(ts: .min))
        #expect((outcome.messages?.first?.clockSkewMillis ?? 0) < 0)
    }

    // MARK: - Other decoders

    @Test("subscriptions and push routes come from the formats' own declarations")
    func transportsAreDeclaredOnce() {
        #expect(MessageIngest.subscriptions == [DeviceTopic.subscription] + AlinkDecoder.subscriptions + OneNETDecoder.subscriptions
                + IoTDADecoder.subscriptions)
        #expect(MessageIngest.pushFormats == ["isapi", "dahua"])
        #expect(VendorProtocol.mqttProtocols == [.alink, .onenet, .iotda])
        #expect(!VendorProtocol.isapi.isMQTT && VendorProtocol.iotda.isMQTT)
    }

    /// A decoder that posts a fixed batch, to check what the ingest step does with every message.
    struct BatchDecoder: MessageDecoder {
        var messages: [DeviceMessage]
        var format: String { "batch" }
        var transport: DecoderTransport { .mqtt(subscriptions: ["batch/#"]) }
        func handles(topic: String) -> Bool { topic.hasPrefix("batch/") }
        func decode(_ raw: RawMessage, registry: DeviceRegistry) throws(Rejection) -> [DeviceMessage] {
            messages
        }
    }

    func batchMessage(_ device: String, _ metrics: [String: Double]) -> DeviceMessage {
        DeviceMessage(deviceID: device, community: Fixture.community, ts: now, body: .telemetry(metrics), format: "batch")
    }

    @Test("a batch is accepted whole, routed to the decoder that handles the topic")
    func batchAccepted() {
        let batch = [batchMessage(wb, ["heart_rate": 70]), batchMessage(wb, ["heart_rate": 71])]
        let ingest = MessageIngest(decoders: [CanonicalDecoder(), BatchDecoder(messages: batch)])
        let outcome = ingest.process(topic: "batch/x", payload: Data("{}".utf8), registry: registry, now: now)
        #expect(outcome == .accepted(batch))
    }

    @Test("one invalid message rejects the batch")
    func batchRejected() {
        let batch = [batchMessage(wb, ["heart_rate": 70]), batchMessage(wb, ["heart_rate": 700])]
        let ingest = MessageIngest(decoders: [BatchDecoder(messages: batch)])
        let outcome = ingest.process(topic: "batch/x", payload: Data("{}".utf8), registry: registry, now: now)
        #expect(outcome.rejection?.reason == .valueOutOfRange)
    }

    @Test("a decoded message from an unregistered device is rejected")
    func batchUnknownDevice() {
        let ingest = MessageIngest(decoders: [BatchDecoder(messages: [batchMessage("ghost", ["heart_rate": 70])])])
        let outcome = ingest.process(topic: "batch/x", payload: Data("{}".utf8), registry: registry, now: now)
        #expect(outcome.rejection?.reason == .unknownDevice)
        #expect(outcome.rejection?.deviceID == "ghost")
    }

    @Test("the canonical decoder handles the devices tree only")
    func canonicalHandles() {
        let decoder = CanonicalDecoder()
        #expect(decoder.format == "canonical")
        #expect(decoder.handles(topic: "devices/c1/wb-1/telemetry"))
        #expect(decoder.handles(topic: "devices"))
        #expect(!decoder.handles(topic: "devicesX/c1/wb-1/telemetry"))
        #expect(!decoder.handles(topic: "batch/x"))
    }
}
