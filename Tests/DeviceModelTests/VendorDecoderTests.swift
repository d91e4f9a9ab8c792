import Foundation
import Testing
@testable import DeviceModel

/// Golden tests per vendor adapter, built from the documented payload shapes (../shared/DOMAIN.md §1, §2)
/// and the code tables.
@Suite("Vendor decoders")
struct VendorDecoderTests {
    static let now = Fixture.now
    let registry: DeviceRegistry
    let ingest = MessageIngest()

    static let alinkProduct = "a1Band"
    static let oneNETProduct = "Qm8sKx2Lp0"
    static let iotdaProduct = "64f1c2a0d2b8"

    init() throws {
        var draft = Fixture.draft()
        var alinkBand = Fixture.deviceDraft(id: "wb-alink", type: "wristband", resident: Fixture.resident)
        alinkBand.binding = BindingDraft(vendorProtocol: "alink", product: Self.alinkProduct, name: "868120301239876")
        var iotdaBand = Fixture.deviceDraft(id: "wb-iotda", type: "wristband", resident: Fixture.resident)
        iotdaBand.binding = BindingDraft(vendorProtocol: "iotda", product: Self.iotdaProduct, name: "64f1c2a0d2b8_node1")
        var smoke = Fixture.deviceDraft(id: "smoke-onenet", type: "smoke_sensor")
        smoke.binding = BindingDraft(vendorProtocol: "onenet", product: Self.oneNETProduct, name: "863488052311555")
        var camera = Fixture.deviceDraft(id: "cam-1", type: "video_analytics")
        camera.pushSecretSHA256 = String(repeating: "ab", count: 32)
        draft.devices += [alinkBand, iotdaBand, smoke, camera]
        var ebike = AnalyticsTypeDraft(name: "ElectricBicycleDetection")
        ebike.event = "ebike_in_elevator"
        var lane = AnalyticsTypeDraft(name: "fireEscapeOccupancy")
        lane.event = "fire_lane_blocked"
        lane.endsWith = "fire_lane_cleared"
        draft.isapiEventTypes = [ebike, lane]
        draft.products = [
            Self.product("alink", Self.alinkProduct, "wristband",
                         properties: ["HeartRate": .metric("heart_rate"), "BodyTemperature": .metric("body_temp", scale: "0.1"),
                                      "BatteryPercentage": .metric("battery"), "SOSState": .events(["1": "sos"])],
                         events: ["FallAlarm": "fall_detected"]),
            Self.product("onenet", Self.oneNETProduct, "smoke_sensor",
                         properties: ["smoke_value": .metric("smoke_value"),
                                      "smoke_sensor_status": .events(["alarm": "smoke_alarm", "normal": "smoke_clear"])],
                         events: ["SmokeAlarm": "smoke_alarm"]),
            Self.product("iotda", Self.iotdaProduct, "wristband",
                         properties: ["VitalSigns.heartRate": .metric("heart_rate"), "spo2": .metric("spo2")],
                         events: ["Alarm.fall": "fall_detected"]),
        ]
        registry = try RegistryValidator().validate(draft)
    }

    enum PropertyCase {
        case metric(String, scale: String? = nil)
        case events([String: String])
    }

    static func product(_ vendorProtocol: String, _ product: String, _ type: String, properties: [String: PropertyCase],
                        events: [String: String]) -> ProductDraft {
        var draft = ProductDraft()
        draft.vendorProtocol = vendorProtocol
        draft.product = product
        draft.deviceType = type
        draft.properties = properties.sorted { $0.key < $1.key }.map { identifier, mapping in
            var property = PropertyDraft()
            switch mapping {
            case let .metric(name, scale):
                property.metric = name
                property.scale = scale
            case let .events(table):
                property.events = table.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            }
            return (identifier, property)
        }
        draft.events = events.sorted { $0.key < $1.key }.map { ($0.key, $0.value, FieldOrigins()) }
        return draft
    }

    func process(_ topic: String, _ payload: String, media: [MediaReference] = []) -> IngestOutcome {
        ingest.process(RawMessage(topic: topic, payload: Data(payload.utf8), receivedAt: Self.now, media: media),
                       registry: registry, now: Self.now)
    }

    func accepted(_ topic: String, _ payload: String, media: [MediaReference] = []) throws -> [DeviceMessage] {
        let outcome = process(topic, payload, media: media)
        return try #require(outcome.messages, "\(outcome)")
    }

    // MARK: - Alink

    @Test func alinkPropertyPostBecomesOneTelemetryPerTimeWithScaleAndAReply() throws {
        let topic = "/sys/\(Self.alinkProduct)/868120301239876/thing/event/property/post"
        let payload = #"""
            {"id":"123","version":"1.0","sys":{"ack":1},"params":{
              "HeartRate":{"value":72,"time":\#(Self.now - 1000)},
              "BodyTemperature":{"value":365,"time":\#(Self.now - 1000)},
              "BatteryPercentage":{"value":"80","time":\#(Self.now)}},
             "method":"thing.event.property.post"}
            """#
        let messages = try accepted(topic, payload)
        #expect(messages.count == 2)
        #expect(messages[0].deviceID == "wb-alink" && messages[0].format == "alink" && messages[0].ts == Self.now - 1000)
        #expect(messages[0].body == .telemetry(["heart_rate": 72, "body_temp": 36.5]))
        #expect(messages[0].nativeKey == "p:BodyTemperature,HeartRate|id:123")
        #expect(messages[1].body == .telemetry(["battery": 80]))
        let reply = try #require(ingest.reply(to: RawMessage(topic: topic, payload: Data(payload.utf8), receivedAt: Self.now),
                                              outcome: process(topic, payload)))
        #expect(reply.topic == topic + "_reply")
        let object = try #require(try JSONSerialization.jsonObject(with: reply.payload) as? [String: Any])
        #expect(object["id"] as? String == "123" && object["code"] as? Int == 200 && object["message"] as? String == "success")
        #expect(object["method"] as? String == "thing.event.property.post" && object["version"] as? String == "1.0")
    }

    @Test func alinkAckZeroSuppressesTheReplyAndARejectionAnswers460() throws {
        let topic = "/sys/\(Self.alinkProduct)/868120301239876/thing/event/property/post"
        let quiet = #"{"id":"7","version":"1.0","sys":{"ack":0},"params":{"HeartRate":{"value":72,"time":\#(Self.now)}}}"#
        #expect(ingest.reply(to: RawMessage(topic: topic, payload: Data(quiet.utf8), receivedAt: Self.now),
                             outcome: process(topic, quiet)) == nil)
        let outOfRange = #"{"id":"8","version":"1.0","params":{"HeartRate":{"value":900,"time":\#(Self.now)}}}"#
        let outcome = process(topic, outOfRange)
        #expect(outcome.rejection?.reason == .valueOutOfRange)
        let reply = try #require(ingest.reply(to: RawMessage(topic: topic, payload: Data(outOfRange.utf8), receivedAt: Self.now),
                                              outcome: outcome))
        let object = try #require(try JSONSerialization.jsonObject(with: reply.payload) as? [String: Any])
        #expect(object["code"] as? Int == 460 && object["id"] as? String == "8")
    }

    @Test func alinkEventPostAndStatePropertyBecomeCanonicalEvents() throws {
        let fall = try accepted("/sys/\(Self.alinkProduct)/868120301239876/thing/event/FallAlarm/post",
                                #"{"id":"9","version":"1.0","params":{"value":{"Confidence":93},"time":\#(Self.now)},"method":"thing.event.FallAlarm.post"}"#)
        #expect(fall.count == 1 && fall[0].eventName == "fall_detected" && fall[0].nativeKey.hasPrefix("e:FallAlarm|"))
        if case let .event(_, data) = fall[0].body {
            #expect(data["params"] == .object(["Confidence": .number(93)]))
        }
        let sos = try accepted("/sys/\(Self.alinkProduct)/868120301239876/thing/event/property/post",
                               #"{"id":"10","params":{"SOSState":{"value":1,"time":\#(Self.now)}}}"#)
        #expect(sos.map(\.eventName) == ["sos"])
        let idle = try accepted("/sys/\(Self.alinkProduct)/868120301239876/thing/event/property/post",
                                #"{"id":"11","params":{"SOSState":{"value":0,"time":\#(Self.now)}}}"#)
        #expect(idle.isEmpty, "a state value without an event is an ordinary state")
    }

    @Test func alinkBatchPostCarriesPropertiesAndEvents() throws {
        let payload = #"""
            {"id":"12","version":"1.0","method":"thing.event.property.batch.post","params":{
              "properties":{"HeartRate":[{"value":70,"time":\#(Self.now - 2000)},{"value":71,"time":\#(Self.now - 1000)}]},
              "events":{"FallAlarm":[{"value":{},"time":\#(Self.now - 500)}]}}}
            """#
        let messages = try accepted("/sys/\(Self.alinkProduct)/868120301239876/thing/event/property/batch/post", payload)
        #expect(messages.map(\.ts) == [Self.now - 2000, Self.now - 1000, Self.now - 500])
        #expect(messages.last?.eventName == "fall_detected")
    }

    @Test func unknownIdentifiersAreKeptAsVendorUnknownWithTheNativeCode() throws {
        let messages = try accepted("/sys/\(Self.alinkProduct)/868120301239876/thing/event/property/post",
                                    #"{"id":"13","params":{"HeartRate":{"value":70,"time":\#(Self.now)},"GeoFenceMode":{"value":2,"time":\#(Self.now)}}}"#)
        #expect(messages.count == 2)
        let unknown = try #require(messages.first { $0.eventName == DeviceMessage.unknownVendorEvent })
        guard case let .event(_, data) = unknown.body else { Issue.record("not an event"); return }
        #expect(data["native_code"] == .string("GeoFenceMode") && data["format"] == .string("alink"))
        let event = try accepted("/sys/\(Self.alinkProduct)/868120301239876/thing/event/DoorbellPressed/post",
                                 #"{"id":"14","params":{"value":{},"time":\#(Self.now)}}"#)
        #expect(event.map(\.eventName) == [DeviceMessage.unknownVendorEvent])
    }

    @Test(arguments: [
        RejectCase("unbound device", "/sys/a1Band/nobody/thing/event/property/post", #"{"params":{"HeartRate":72}}"#, .unknownDevice, deviceID: nil),
        RejectCase("other product", "/sys/a1Other/868120301239876/thing/event/property/post", #"{"params":{"HeartRate":72}}"#, .unknownDevice, deviceID: nil),
        RejectCase("not JSON", "/sys/a1Band/868120301239876/thing/event/property/post", "{params", .malformedJSON, deviceID: "wb-alink"),
        RejectCase("params a list", "/sys/a1Band/868120301239876/thing/event/property/post", #"{"params":[1]}"#, .invalidPayload, deviceID: "wb-alink"),
        RejectCase("text heart rate", "/sys/a1Band/868120301239876/thing/event/property/post", #"{"params":{"HeartRate":{"value":"fast"}}}"#, .invalidPayload, deviceID: "wb-alink", detail: "HeartRate"),
        RejectCase("bad time", "/sys/a1Band/868120301239876/thing/event/property/post", #"{"params":{"HeartRate":{"value":72,"time":"x"}}}"#, .invalidPayload, deviceID: "wb-alink"),
        RejectCase("short topic", "/sys/a1Band/868120301239876/thing/post", #"{}"#, .badTopic, deviceID: nil),
    ])
    func alinkRejections(_ testCase: RejectCase) {
        let rejection = process(testCase.topic, testCase.payload).rejection
        #expect(rejection?.reason == testCase.reason, "\(String(describing: rejection))")
        if let deviceID = testCase.deviceID { #expect(rejection?.deviceID == deviceID) }
        if let detail = testCase.detail { #expect(rejection?.detail.contains(detail) == true) }
    }

    // MARK: - OneNET

    @Test func oneNETPropertyAndEventPostsWithReplies() throws {
        let topic = "$sys/\(Self.oneNETProduct)/863488052311555/thing/property/post"
        let payload = #"{"id":"123","version":"1.0","params":{"smoke_value":{"value":12,"time":\#(Self.now)},"smoke_sensor_status":{"value":"alarm","time":\#(Self.now)}}}"#
        let messages = try accepted(topic, payload)
        #expect(messages.count == 2)
        #expect(messages[0].body == .telemetry(["smoke_value": 12]) && messages[0].deviceID == "smoke-onenet")
        #expect(messages[1].eventName == "smoke_alarm" && messages[1].format == "onenet")
        let reply = try #require(ingest.reply(to: RawMessage(topic: topic, payload: Data(payload.utf8), receivedAt: Self.now),
                                              outcome: .accepted(messages)))
        #expect(reply.topic == topic + "/reply")
        let object = try #require(try JSONSerialization.jsonObject(with: reply.payload) as? [String: Any])
        #expect(object["id"] as? String == "123" && object["code"] as? Int == 200 && object["msg"] as? String == "success")
        let events = try accepted("$sys/\(Self.oneNETProduct)/863488052311555/thing/event/post",
                                  #"{"id":"124","version":"1.0","params":{"SmokeAlarm":{"value":{"level":2},"time":\#(Self.now)}}}"#)
        #expect(events.map(\.eventName) == ["smoke_alarm"])
        #expect(process("$sys/\(Self.oneNETProduct)/863488052311555/thing/event/post", #"{"id":"1","params":{"SmokeAlarm":3}}"#)
            .rejection?.reason == .invalidPayload)
    }

    // MARK: - IoTDA

    @Test func iotdaReportsInBothTimeFormatsAndLooksUpServiceQualifiedNamesFirst() throws {
        let report = #"""
            {"services":[
              {"service_id":"VitalSigns","properties":{"heartRate":88,"spo2":96},"event_time":"20251123T120000Z"},
              {"service_id":"Other","properties":{"spo2":95},"event_time":"2025-11-23T12:00:01.250Z"}]}
            """#
        let outcome = ingest.process(RawMessage(topic: "$oc/devices/64f1c2a0d2b8_node1/sys/properties/report",
                                                payload: Data(report.utf8), receivedAt: 1_763_900_000_000),
                                     registry: registry, now: 1_763_900_000_000)
        let messages = try #require(outcome.messages, "\(outcome)")
        #expect(messages.count == 2)
        #expect(messages[0].ts == 1_763_899_200_000 && messages[0].body == .telemetry(["heart_rate": 88, "spo2": 96]))
        #expect(messages[1].ts == 1_763_899_201_250 && messages[1].body == .telemetry(["spo2": 95]))
        let events = try accepted("$oc/devices/64f1c2a0d2b8_node1/sys/events/up",
                                  #"{"object_device_id":"64f1c2a0d2b8_node1","services":[{"service_id":"Alarm","event_type":"fall","paras":{"x":1}}]}"#)
        #expect(events.map(\.eventName) == ["fall_detected"] && events[0].ts == Self.now)
        #expect(process("$oc/devices/64f1c2a0d2b8_node1/sys/properties/report",
                        #"{"services":[{"service_id":"VitalSigns","properties":{"heartRate":88},"event_time":"yesterday"}]}"#)
            .rejection?.reason == .invalidPayload)
        #expect(process("$oc/devices/unknown/sys/properties/report", #"{"services":[]}"#).rejection?.reason == .unknownDevice)
    }

    // MARK: - Hikvision ISAPI

    static func accessEvent(major: Int, minor: Int, serial: Int, dateTime: String = "2025-11-23T20:13:20+08:00") -> String {
        #"""
        {"ipAddress":"192.168.1.64","portNo":80,"protocol":"HTTP","macAddress":"24:0f:9b:00:00:01","channelID":1,
         "dateTime":"\#(dateTime)","activePostCount":1,"eventType":"AccessControllerEvent","eventState":"active",
         "eventDescription":"Access Controller Event",
         "AccessControllerEvent":{"deviceName":"Door","majorEventType":\#(major),"subEventType":\#(minor),"name":"张三",
           "cardReaderNo":1,"employeeNoString":"1001","serialNo":\#(serial),"userType":"normal",
           "currentVerifyMode":"cardOrFace","mask":"no","picturesNumber":1,"doorNo":1,
           "FaceRect":{"height":0.2,"width":0.1,"x":0.4,"y":0.3}}}
        """#
    }

    @Test(arguments: HikvisionCodeTable.accessCodes)
    func everyAccessCodeMapsToAnEventTheTerminalMaySend(_ code: HikvisionCodeTable.AccessCode) throws {
        let messages = try accepted("push/isapi/\(Fixture.accessTerminal)", Self.accessEvent(major: code.major, minor: code.minor, serial: 7))
        #expect(messages.map(\.eventName) == [code.event])
        #expect(DeviceType.accessTerminal.capabilities.events.contains(code.event))
    }

    @Test func decimalCodesNotHexAndPersonalFieldsDropped() throws {
        // 75 decimal is face pass (0x4b); 0x75 = 117 is another event and must not be read as face pass.
        #expect(HikvisionCodeTable.accessEvent(major: 5, minor: 75) == "face_auth_passed")
        #expect(HikvisionCodeTable.accessEvent(major: 5, minor: 0x75) == nil)
        #expect(HikvisionCodeTable.accessEvent(major: 5, minor: 27) == "door_forced")
        let snapshot = MediaReference(sha256: String(repeating: "c", count: 64), bytes: 1234, contentType: "image/jpeg", expiresAt: Self.now + 1)
        let messages = try accepted("push/isapi/\(Fixture.accessTerminal)", Self.accessEvent(major: 5, minor: 75, serial: 1234), media: [snapshot])
        let message = try #require(messages.first)
        #expect(message.ts == 1_763_900_000_000 && message.format == "isapi" && message.nativeKey == "sn:1234")
        guard case let .event(_, data) = message.body else { Issue.record("not an event"); return }
        #expect(data["native_code"] == .string("5/75") && data["serial_no"] == .number(1234) && data["door_no"] == .number(1))
        #expect(data["verify_mode"] == .string("cardOrFace"))
        #expect(data["snapshot"] == snapshot.jsonValue)
        let encoded = String(decoding: try JSONEncoder().encode(data), as: UTF8.self)
        #expect(!encoded.contains("张三") && !encoded.contains("1001") && !encoded.contains("FaceRect"))
    }

    @Test func onePassageIsSeveralEventsAndARetriedPostHasTheSameKey() throws {
        let posts = [(75, 101), (21, 102), (25, 103), (26, 104)].map { minor, serial in
            Self.accessEvent(major: 5, minor: minor, serial: serial)
        }
        let messages = try posts.flatMap { try accepted("push/isapi/\(Fixture.accessTerminal)", $0) }
        #expect(messages.map(\.eventName) == ["face_auth_passed", "lock_opened", "door_opened", "door_closed"])
        #expect(Set(messages.map(\.ts)).count == 1, "one second")
        #expect(Set(messages.map(\.nativeKey)).count == 4)
        let retried = try accepted("push/isapi/\(Fixture.accessTerminal)", posts[0])
        #expect(retried[0].nativeKey == messages[0].nativeKey && retried[0].ts == messages[0].ts)
    }

    @Test func unknownAccessCodeIsVendorUnknown() throws {
        let messages = try accepted("push/isapi/\(Fixture.accessTerminal)", Self.accessEvent(major: 5, minor: 0x75, serial: 9))
        #expect(messages.map(\.eventName) == [DeviceMessage.unknownVendorEvent])
        guard case let .event(_, data) = messages[0].body else { return }
        #expect(data["native_code"] == .string("5/117") && data["format"] == .string("isapi"))
    }

    @Test func xmlEventNotificationAlertOfOlderFirmware() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <EventNotificationAlert version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
            <ipAddress>192.168.1.65</ipAddress><portNo>80</portNo><protocol>HTTP</protocol>
            <macAddress>24:0f:9b:00:00:02</macAddress><channelID>1</channelID>
            <dateTime>2025-11-23T20:13:20+08:00</dateTime><activePostCount>1</activePostCount>
            <eventType>fielddetection</eventType><eventState>active</eventState>
            <eventDescription>fielddetection alarm</eventDescription>
            <DetectionRegionList><DetectionRegionEntry><regionID>1</regionID></DetectionRegionEntry></DetectionRegionList>
            </EventNotificationAlert>
            """
        let messages = try accepted("push/isapi/cam-1", xml)
        #expect(messages.map(\.eventName) == ["intrusion"] && messages[0].ts == Self.now)
        let access = """
            <EventNotificationAlert><dateTime>2025-11-23T20:13:20+08:00</dateTime><eventType>AccessControllerEvent</eventType>
            <AccessControllerEvent><majorEventType>5</majorEventType><subEventType>28</subEventType><serialNo>55</serialNo></AccessControllerEvent>
            </EventNotificationAlert>
            """
        #expect(try accepted("push/isapi/\(Fixture.accessTerminal)", access).map(\.eventName) == ["door_held_open"])
        #expect(process("push/isapi/cam-1", "<EventNotificationAlert><eventType>x</eventType>").rejection?.reason == .invalidPayload)
        // Entity expansion ("billion laughs") is refused, not expanded.
        var bomb = #"<?xml version="1.0"?><!DOCTYPE a [<!ENTITY l0 "lollollollollollollollollollol">"#
        for level in 1...9 { bomb += "<!ENTITY l\(level) \"" + String(repeating: "&l\(level - 1);", count: 10) + "\">" }
        bomb += "]><EventNotificationAlert><eventType>&l9;</eventType></EventNotificationAlert>"
        #expect(process("push/isapi/cam-1", bomb).rejection?.reason == .invalidPayload)
    }

    @Test(arguments: [
        ("fielddetection", "active", "intrusion"), ("linedetection", "active", "line_crossing"),
        ("regionEntrance", "active", "intrusion"), ("failDown", "active", "person_fall"), ("group", "active", "crowd_gathering"),
        ("personDensityDetection", "active", "crowd_gathering"), ("parking", "active", "fire_lane_blocked"),
        ("parking", "inactive", "fire_lane_cleared"), ("parabolicAerial", "active", "object_throwing"),
        ("videoloss", "active", "video_loss"),
    ])
    func analyticsEventTypes(_ type: String, _ state: String, _ event: String) throws {
        let json = #"{"dateTime":"2025-11-23T20:13:20+08:00","eventType":"\#(type)","eventState":"\#(state)","channelID":2}"#
        let messages = try accepted("push/isapi/cam-1", json)
        #expect(messages.map(\.eventName) == [event])
    }

    @Test func theDeploymentsOwnAnalyticsTypesComeFirst() throws {
        func push(_ type: String, _ state: String = "active") throws -> [String?] {
            try accepted("push/isapi/cam-1", #"{"dateTime":"2025-11-23T20:13:20+08:00","eventType":"\#(type)","eventState":"\#(state)"}"#)
                .map(\.eventName)
        }
        #expect(try push("electricBicycleDetection") == ["ebike_in_elevator"])
        #expect(try push("FIREESCAPEOCCUPANCY") == ["fire_lane_blocked"])
        #expect(try push("fireEscapeOccupancy", "inactive") == ["fire_lane_cleared"])
        #expect(try push("fielddetection") == ["intrusion"], "the built-in table still applies")

        var draft = Fixture.draft()
        var unknown = AnalyticsTypeDraft(name: "x")
        unknown.event = "ebike_in_elevater"
        var twice = AnalyticsTypeDraft(name: "X")
        twice.event = "intrusion"
        var missing = AnalyticsTypeDraft(name: "y")
        missing.endsWith = "intrusion_clear"
        draft.isapiEventTypes = [unknown, twice, missing]
        let messages = Fixture.issues(draft).map(\.message)
        #expect(messages.contains { $0.contains("no device type sends event `ebike_in_elevater` (did you mean `ebike_in_elevator`?)") })
        #expect(messages.contains { $0.contains("listed twice") })
        #expect(messages.contains { $0.contains("`event` is required") })
    }

    @Test func heartbeatsAndEndsWithoutAnEventAreSignsOfLife() throws {
        let heartbeat = try accepted("push/isapi/cam-1", #"{"dateTime":"2025-11-23T20:13:20+08:00","eventType":"videoloss","eventState":"inactive"}"#)
        #expect(heartbeat.map(\.body) == [.status(online: true)])
        let ended = try accepted("push/isapi/cam-1", #"{"dateTime":"2025-11-23T20:13:20+08:00","eventType":"fielddetection","eventState":"inactive"}"#)
        #expect(ended.map(\.body) == [.status(online: true)])
        let unknown = try accepted("push/isapi/cam-1", #"{"dateTime":"2025-11-23T20:13:20+08:00","eventType":"safetyHelmetDetection"}"#)
        #expect(unknown.map(\.eventName) == [DeviceMessage.unknownVendorEvent])
    }

    @Test func isapiBadInput() {
        #expect(process("push/isapi/cam-1", "").rejection?.reason == .malformedJSON)
        #expect(process("push/isapi/cam-1", "[1,2]").rejection?.reason == .invalidPayload)
        #expect(process("push/isapi/cam-1", #"{"dateTime":"2025-11-23T20:13:20+08:00"}"#).rejection?.detail.contains("eventType") == true)
        #expect(process("push/isapi/cam-1", #"{"eventType":"fielddetection","dateTime":"soon"}"#).rejection?.reason == .invalidPayload)
        #expect(process("push/isapi/\(Fixture.accessTerminal)", #"{"eventType":"AccessControllerEvent","AccessControllerEvent":{"majorEventType":"five"}}"#)
            .rejection?.reason == .invalidPayload)
        #expect(process("push/isapi/ghost", #"{"eventType":"fielddetection"}"#).rejection?.reason == .unknownDevice)
        // An analytics event a smoke sensor cannot send.
        #expect(process("push/isapi/\(Fixture.smokeSensor)", #"{"eventType":"fielddetection"}"#).rejection?.reason == .unknownEvent)
    }

    // MARK: - Dahua

    @Test func dahuaEventTextBlocks() throws {
        let body = """
            Code=AccessControl;action=Pulse;index=0;data={
               "CardNo" : "A1B2C3", "CardType" : 0, "Method" : 15, "Name" : "李四", "RecNo" : 812,
               "Status" : 1, "UTC" : 1763900000, "UserID" : "1002" }
            Code=DoorNotClosed;action=Start;index=0;data={"Name":"Door1","UTC":1763900030}
            Code=BreakIn;action=Pulse;index=0;data={"UTC":1763900040}
            Code=DoorNotClosed;action=Stop;index=0;data={"UTC":1763900050}
            """
        let messages = try accepted("push/dahua/\(Fixture.accessTerminal)", body)
        #expect(messages.map(\.eventName) == ["face_auth_passed", "door_held_open", "door_forced", nil])
        #expect(messages[0].ts == 1_763_900_000_000 && messages[0].nativeKey == "rec:812" && messages[0].format == "dahua")
        #expect(messages[3].body == .status(online: true))
        let encoded = String(decoding: try JSONEncoder().encode(messages.map { "\($0.body)" }), as: UTF8.self)
        #expect(!encoded.contains("李四") && !encoded.contains("A1B2C3"))
        let denied = try accepted("push/dahua/\(Fixture.accessTerminal)",
                                  #"Code=AccessControl;action=Pulse;index=0;data={"Method":1,"Status":0,"LocaleTime":"2025-11-23 20:13:20"}"#)
        #expect(denied.map(\.eventName) == ["card_auth_failed"] && denied[0].ts == 1_763_900_000_000)
        #expect(try accepted("push/dahua/\(Fixture.accessTerminal)", "Code=VideoMotion;action=Start;index=0").map(\.eventName)
            == [DeviceMessage.unknownVendorEvent])
        #expect(process("push/dahua/\(Fixture.accessTerminal)", "hello").rejection?.reason == .invalidPayload)
        // Numbers no clock or counter makes are refused or ignored, never trapped on.
        #expect(process("push/dahua/\(Fixture.accessTerminal)", #"Code=AccessControl;action=Pulse;index=0;data={"UTC":1e16}"#)
            .rejection?.reason == .invalidPayload)
        #expect(process("push/dahua/\(Fixture.accessTerminal)", #"Code=AccessControl;action=Pulse;index=0;data={"UTC":-5}"#)
            .rejection?.reason == .invalidPayload)
        let huge = try accepted("push/dahua/\(Fixture.accessTerminal)",
                                #"Code=AccessControl;action=Pulse;index=0;data={"RecNo":1e19,"Method":-1e19,"Status":1,"UTC":1763900000}"#)
        #expect(huge.map(\.eventName) == ["lock_opened"] && huge[0].nativeKey == "AccessControl:Pulse:0")
        #expect(process("push/dahua/\(Fixture.accessTerminal)", "Code=BreakIn;action=Pulse;index=0;data={oops").rejection?.reason == .malformedJSON)
    }

    // MARK: - Time

    @Test(arguments: [
        ("2025-11-23T20:13:20+08:00", 1_763_900_000_000 as Int64), ("2025-11-23T12:13:20Z", 1_763_900_000_000),
        ("2025-11-23T12:13:20.5Z", 1_763_900_000_500), ("2025-11-23T20:13:20+0800", 1_763_900_000_000),
        ("20251123T121320Z", 1_763_900_000_000), ("2025-11-23 20:13:20", 1_763_900_000_000),
        ("2025-11-23T12:13:20.123456Z", 1_763_900_000_123), ("2024-02-29T00:00:00Z", 1_709_164_800_000),
    ])
    func wireTimes(_ text: String, _ expected: Int64) {
        #expect(WireTime.epochMillis(text) == expected)
    }

    @Test(arguments: ["", "2025-13-01T00:00:00Z", "2025-02-29T00:00:00Z", "2025-11-23T25:00:00Z", "2025-11-23T12:13:20Zjunk",
                      "2025-11-23", "20251123T1213Z", "2025-11-23T12:13:20.Z", "2025-11-23T12:13:20+8"])
    func badWireTimes(_ text: String) {
        #expect(WireTime.epochMillis(text) == nil)
    }

    // MARK: - Registry

    @Test func bindingsAreValidatedAgainstTheProductsAndAreUnique() {
        var draft = Fixture.draft()
        draft.products = [Self.product("alink", "pk1", "wristband", properties: ["HR": .metric("heart_rate")], events: [:])]
        var a = Fixture.deviceDraft(id: "a", type: "wristband", resident: Fixture.resident)
        a.binding = BindingDraft(vendorProtocol: "alink", product: "pk1", name: "dn1")
        var b = Fixture.deviceDraft(id: "b", type: "wristband", resident: Fixture.resident)
        b.binding = BindingDraft(vendorProtocol: "alink", product: "pk1", name: "dn1")
        var c = Fixture.deviceDraft(id: "c", type: "smoke_sensor")
        c.binding = BindingDraft(vendorProtocol: "alink", product: "pk1", name: "dn2")
        var d = Fixture.deviceDraft(id: "d", type: "smoke_sensor")
        d.binding = BindingDraft(vendorProtocol: "isapi", product: "pk1", name: "dn/3")
        var e = Fixture.deviceDraft(id: "e", type: "smoke_sensor")
        e.pushSecretSHA256 = "not-a-hash"
        draft.devices += [a, b, c, d, e]
        let messages = Fixture.issues(draft).map(\.message)
        #expect(messages.contains { $0.contains("already bound to device \"a\"") })
        #expect(messages.contains { $0.contains("mapped for wristband devices, not smoke_sensor") })
        #expect(messages.contains { $0.contains("unknown protocol \"isapi\"") })
        #expect(messages.contains { $0.contains("without '/', '+', '#'") })
        #expect(messages.contains { $0.contains("64 lowercase hex digits") })
    }

    @Test func productMappingsAreValidatedAgainstTheDeviceType() {
        var draft = Fixture.draft()
        draft.products = [
            Self.product("alink", "pk1", "wristband", properties: ["HR": .metric("heart_rate")], events: [:]),
            Self.product("alink", "pk1", "wristband", properties: ["HR": .metric("heart_rate")], events: [:]),
            Self.product("alink", "pk3", "wristband", properties: ["HR": .metric("heartrate"), "T": .metric("body_temp", scale: "0")],
                         events: ["F": "fall"]),
            Self.product("mqtt", "pk2", "wristbnd", properties: [:], events: [:]),
        ]
        let messages = Fixture.issues(draft).map(\.message)
        #expect(messages.contains { $0.contains("does not report `heartrate` (did you mean `heart_rate`?)") })
        #expect(messages.contains { $0.contains("scale \"0\" must be a non-zero number") })
        #expect(messages.contains { $0.contains("does not send event `fall`") })
        #expect(messages.contains { $0.contains("listed twice") })
        #expect(messages.contains { $0.contains("unknown protocol \"mqtt\"") })
        #expect(messages.contains { $0.contains("unknown device type \"wristbnd\"") })
        #expect(messages.contains { $0.contains("needs `properties` or `events`") })
    }
}


@Suite("Personal field redaction")
struct PersonalFieldRedactionTests {
    func redacted(_ text: String) -> String { String(decoding: PersonalFieldRedaction.redact(Data(text.utf8)), as: UTF8.self) }

    @Test func jsonFieldsAtAnyDepth() {
        let text = redacted(VendorDecoderTests.accessEvent(major: 5, minor: 75, serial: 1))
        #expect(!text.contains("张三") && !text.contains("1001") && !text.contains("0.4"))
        #expect(text.contains(#""name":"***""#) && text.contains(#""subEventType":75"#))
    }

    @Test func xmlDahuaTextAndTruncatedBodies() {
        let xml = redacted("<EventNotificationAlert><AccessControllerEvent><name>王五</name><cardNo>A1</cardNo><doorNo>1</doorNo>")
        #expect(!xml.contains("王五") && !xml.contains("A1") && xml.contains("<doorNo>1</doorNo>"))
        let dahua = redacted(#"Code=AccessControl;action=Pulse;index=0;data={"CardNo" : "A1B2", "Name" : "李四", "UserID" : 1002, "Door" : 1"#)
        #expect(!dahua.contains("李四") && !dahua.contains("A1B2") && !dahua.contains("1002") && dahua.contains(#""Door" : 1"#))
        let truncated = redacted(#"{"eventType":"AccessControllerEvent","AccessControllerEvent":{"name":"张三"#)
        #expect(!truncated.contains("张三"))
        let image = PersonalFieldRedaction.redact(Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0xC3, 0x28]))
        #expect(String(decoding: image, as: UTF8.self) == "(binary body of 8 bytes, not kept)")
    }
}
