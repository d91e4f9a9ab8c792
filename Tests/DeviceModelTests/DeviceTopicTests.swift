import Testing
@testable import DeviceModel

@Suite("DeviceTopic")
struct DeviceTopicTests {
    @Test("parses a good topic on each channel", arguments: Channel.allCases)
    func parsesEachChannel(_ channel: Channel) throws {
        let topic = try DeviceTopic.parse("devices/c1/wb-1/\(channel.rawValue)")
        #expect(topic == DeviceTopic(community: "c1", deviceID: "wb-1", channel: channel))
    }

    @Test("topic round-trips through parse", arguments: Channel.allCases)
    func roundTrips(_ channel: Channel) throws {
        let address = DeviceTopic(community: "community.7", deviceID: "Dev_01-a", channel: channel)
        #expect(address.topic == "devices/community.7/Dev_01-a/\(channel.rawValue)")
        #expect(try DeviceTopic.parse(address.topic) == address)
    }

    @Test("subscription covers every canonical topic")
    func subscription() {
        #expect(DeviceTopic.prefix == "devices")
        #expect(DeviceTopic.subscription == "devices/#")
    }

    @Test("wrong number of levels or wrong prefix is bad_topic", arguments: [
        "",
        "devices",
        "devices/",
        "devices/c1",
        "devices/c1/wb-1",
        "devices/c1/wb-1/telemetry/extra",
        "devices/c1/wb-1/telemetry/",
        "/devices/c1/wb-1/telemetry",
        "sensors/c1/wb-1/telemetry",
        "Devices/c1/wb-1/telemetry",
        "device/c1/wb-1/telemetry",
    ])
    func badShape(_ topic: String) {
        let rejection = #expect(throws: Rejection.self) { try DeviceTopic.parse(topic) }
        #expect(rejection?.reason == .badTopic)
        #expect(rejection?.deviceID == nil)
        #expect(rejection?.detail.contains("devices/{community}/{deviceId}/{channel}") == true)
    }

    @Test("community or device id that is not an identifier is bad_topic", arguments: [
        "devices//wb-1/telemetry",
        "devices/c1//telemetry",
        "devices/c+1/wb-1/telemetry",
        "devices/c1/wb+1/telemetry",
        "devices/c1/wb#1/telemetry",
        "devices/c1/+/telemetry",
        "devices/#/wb-1/telemetry",
        "devices/c1/-wb/telemetry",
        "devices/c1/wb 1/telemetry",
        "devices/社区/wb-1/telemetry",
        "devices/c1/\(String(repeating: "x", count: 65))/telemetry",
    ])
    func badIdentifier(_ topic: String) {
        let rejection = #expect(throws: Rejection.self) { try DeviceTopic.parse(topic) }
        #expect(rejection?.reason == .badTopic)
        #expect(rejection?.detail.contains("identifiers") == true)
    }

    @Test("the topic accepts exactly the ids the registry accepts", arguments: [
        "a", "Z9", "0", "wb-1", "x.y_z-0", "@a", "a@", "[x", "`x", "{x", "a{", "a`", "a[", "a:", "a/", "_a", ".a", "-",
        "é", "aé", "社区", "a\u{0}", String(repeating: "x", count: 64), String(repeating: "x", count: 65), "A-Z.a_z",
    ])
    func sameIdentifiersAsTheRegistry(_ id: String) {
        let parsed = (try? DeviceTopic.parse("devices/\(id)/\(id)/telemetry")) != nil
        #expect(parsed == (ContactRules.isValidIdentifier(id) && !id.contains("/")))
    }

    @Test("unknown channel names the device", arguments: [
        "metrics", "Telemetry", "events", "state", "", "#", "telemetry ",
    ])
    func unknownChannel(_ channel: String) {
        let rejection = #expect(throws: Rejection.self) { try DeviceTopic.parse("devices/c1/wb-1/\(channel)") }
        #expect(rejection?.reason == .unknownChannel)
        #expect(rejection?.deviceID == "wb-1")
        #expect(rejection?.detail.contains("telemetry, event, status") == true)
    }

    @Test("identifier checks come before the channel check")
    func identifierBeforeChannel() {
        let rejection = #expect(throws: Rejection.self) { try DeviceTopic.parse("devices/c1/wb+1/bogus") }
        #expect(rejection?.reason == .badTopic)
    }

    @Test("telemetry and status are routine readings whose commit may linger; everything else is committed at once")
    func routineReadings() {
        #expect(DeviceTopic.isRoutineReading("devices/c1/wb-1/telemetry"))
        #expect(DeviceTopic.isRoutineReading("devices/c1/wb-1/status"))
        for topic in ["devices/c1/wb-1/event", "devices/c1/wb-1/telemetryx", "/sys/a1/dev/thing/event/property/post",
                      "devices/telemetry", "telemetry", "", "devices/c1/wb-1/Telemetry", "push/hikvision/cam-1"] {
            #expect(!DeviceTopic.isRoutineReading(topic), "\(topic)")
        }
    }
}
