import Foundation
import FuzzInput
import PropertyBased
import Testing
@testable import DeviceModel

/// Random and mutated input through every decoder: never a crash, always accepted messages or a
/// rejection with a reason; the dead-letter shape of anything never traps either. Seeded by
/// swift-property-based (a failure prints the seed to replay it), bounded so the suite stays fast;
/// `scripts/fuzz-soak.sh` runs the long version against a daemon.
@Suite("Decoder fuzzing")
struct DecoderFuzzTests {
    let registry: DeviceRegistry
    let ingest = MessageIngest()
    static let now = Fixture.now

    init() throws {
        registry = try VendorDecoderTests().registry
    }

    /// A valid message of every format, to mutate.
    static let seeds: [(topic: String, payload: String)] = [
        ("devices/\(Fixture.community)/\(Fixture.wristband)/telemetry",
         #"{"ts":\#(now),"metrics":{"heart_rate":72,"spo2":97,"battery":80}}"#),
        ("devices/\(Fixture.community)/\(Fixture.wristband)/event", #"{"ts":\#(now),"event":"sos","data":{"x":1,"y":[1,2,{"z":"a"}]}}"#),
        ("devices/\(Fixture.community)/\(Fixture.wristband)/status", #"{"ts":\#(now),"online":true}"#),
        ("/sys/\(VendorDecoderTests.alinkProduct)/868120301239876/thing/event/property/post",
         #"{"id":"1","version":"1.0","params":{"HeartRate":{"value":72,"time":\#(now)},"SOSState":1}}"#),
        ("/sys/\(VendorDecoderTests.alinkProduct)/868120301239876/thing/event/property/batch/post",
         #"{"id":"2","params":{"properties":{"HeartRate":[{"value":70,"time":\#(now)}]},"events":{"FallAlarm":[{"value":{},"time":\#(now)}]}}}"#),
        ("$sys/\(VendorDecoderTests.oneNETProduct)/863488052311555/thing/property/post",
         #"{"id":"123","version":"1.0","params":{"smoke_value":{"value":12,"time":\#(now)}}}"#),
        ("$oc/devices/64f1c2a0d2b8_node1/sys/properties/report",
         #"{"services":[{"service_id":"VitalSigns","properties":{"heartRate":88},"event_time":"20251123T120000Z"}]}"#),
        ("push/isapi/\(Fixture.accessTerminal)", VendorDecoderTests.accessEvent(major: 5, minor: 27, serial: 9)),
        ("push/isapi/cam-1", """
            <?xml version="1.0" encoding="UTF-8"?>
            <EventNotificationAlert version="2.0"><dateTime>2025-11-23T20:13:20+08:00</dateTime>
            <eventType>fielddetection</eventType><eventState>active</eventState><x a="1">&amp;&#65;&#x42;</x></EventNotificationAlert>
            """),
        ("push/dahua/\(Fixture.accessTerminal)", #"Code=BreakIn;action=Pulse;index=0;data={"UTC":1763900040,"RecNo":7}"#),
    ]

    func check(_ topic: String, _ payload: [UInt8]) {
        let data = Data(payload)
        let outcome = ingest.process(RawMessage(topic: topic, payload: data, receivedAt: Self.now), registry: registry, now: Self.now)
        switch outcome {
        case let .accepted(messages):
            #expect(!messages.isEmpty, "accepted without a message: \(topic)")
        case let .rejected(rejection):
            #expect(!rejection.detail.isEmpty, "a rejection without a reason: \(topic)")
        }
        _ = ingest.reply(to: RawMessage(topic: topic, payload: data, receivedAt: Self.now), outcome: outcome)
        let shape = DeadLetterRedaction.redact(data)
        #expect(shape.count <= 4 * data.count + 64)
        _ = StrictJSONScanner.check(data)
    }

    @Test func mutatedMessagesOfEveryFormatAreAcceptedOrRejectedWithAReason() async {
        await propertyCheck(count: 6000, input: Gen.int(in: 0...(Self.seeds.count - 1)), Gen.uint64().array(of: 1...6)) { index, operations in
            let seed = Self.seeds[index]
            check(seed.topic, Mutation.apply(operations, to: Array(seed.payload.utf8)))
        }
    }

    @Test func randomBytesOnEveryTopicAreRejectedWithAReason() async {
        await propertyCheck(count: 2000, input: Gen.int(in: 0...(Self.seeds.count - 1)), Gen.uint8().array(of: 0...256)) { index, bytes in
            check(Self.seeds[index].topic, bytes)
        }
    }

    @Test func everySeedIsAcceptedUnmutated() throws {
        for seed in Self.seeds {
            let outcome = ingest.process(RawMessage(topic: seed.topic, payload: Data(seed.payload.utf8), receivedAt: Self.now),
                                         registry: registry, now: Self.now)
            #expect(outcome.messages != nil, "\(seed.topic): \(outcome)")
        }
    }

    /// The hostile corpus (Tests/HostileCorpus): each file through the decoder its name names.
    @Test func theHostileCorpusIsRefusedWithTheRealReason() throws {
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("HostileCorpus")
        let topics = [
            "isapi-xml": "push/isapi/cam-1", "canonical-event": "devices/\(Fixture.community)/\(Fixture.wristband)/event",
            "dahua": "push/dahua/\(Fixture.accessTerminal)",
        ]
        var checked = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted() {
            guard let topic = topics[String(name.prefix { $0 != "_" })] else { continue }
            let payload = try Data(contentsOf: corpus.appendingPathComponent(name))
            let outcome = ingest.process(RawMessage(topic: topic, payload: payload, receivedAt: Self.now), registry: registry, now: Self.now)
            let expected: Rejection.Reason? = switch name {
            case _ where name.contains("deep-nesting"): .tooDeep
            case _ where name.contains("overflow") || name.contains("underflow") || name.contains("huge-integer"): .numberOutOfRange
            case _ where name.contains("beyond-2-53"): nil
            case _ where name.contains("non-utf8-key") || name.contains("malformed"): .malformedJSON
            default: .invalidPayload
            }
            if let expected {
                #expect(outcome.rejection?.reason == expected, "\(name): \(outcome)")
            } else {
                #expect(outcome.messages != nil, "\(name): \(outcome)")
            }
            checked += 1
        }
        #expect(checked >= 15)
    }

    /// The fast reader of canonical telemetry agrees with Foundation's decoder wherever it answers at all.
    @Test func theFastTelemetryReaderAgreesWithJSONDecoder() async {
        struct Telemetry: Decodable { var ts: Int64; var metrics: [String: Double] }
        let numbers = ["0", "72", "-5", "36.6", "1e2", "-0.5", "97.50", "2E-3", "123456789012345", "0.1"]
        let spaces = ["", " ", "\n", "\t "]
        await propertyCheck(count: 2000, input: Gen.int(in: 0...9).array(of: 1...6), Gen.int(in: 0...3), Gen.bool) { picks, space, extra in
            let w = spaces[space]
            let metrics = picks.enumerated().map { "\(w)\"m\($0.offset)\"\(w):\(w)\(numbers[$0.element])" }.joined(separator: ",")
            let text = "{\(w)" + (extra ? "\"x\":{\"y\":[1,\"}\"]},\(w)" : "") + "\"metrics\":{\(metrics)}\(w),\"ts\":\(w)1763900000000\(w)}"
            let data = Data(text.utf8)
            let slow = try? JSONDecoder().decode(Telemetry.self, from: data)
            guard let fast = CanonicalTelemetryReader.read(data) else {
                Issue.record("the fast reader gave up on \(text)")
                return
            }
            #expect(fast.ts == slow?.ts && fast.metrics == slow?.metrics, "\(text)")
        }
        // Shapes it leaves to the general path.
        for text in [#"{"ts":1.5,"metrics":{}}"#, #"{"ts":1,"metrics":{"a":"1"}}"#, #"{"t\u0073":1,"metrics":{}}"#, #"{"metrics":{}}"#] {
            #expect(CanonicalTelemetryReader.read(Data(text.utf8)) == nil, "\(text)")
        }
    }

    // MARK: - Unambiguous JSON

    func rejection(_ payload: String) -> Rejection? {
        ingest.process(RawMessage(topic: "devices/\(Fixture.community)/\(Fixture.wristband)/event", payload: Data(payload.utf8),
                                  receivedAt: Self.now), registry: registry, now: Self.now).rejection
    }

    @Test func duplicateKeysAreRefusedNamingTheKey() {
        let refused = rejection(#"{"ts":\#(Self.now),"event":"presence_detected","event":"fall_detected"}"#)
        #expect(refused?.reason == .invalidPayload && refused?.detail == #"duplicate key "event""#)
        // The same key spelled with an escape is the same key.
        #expect(rejection(#"{"ts":\#(Self.now),"event":"sos","data":{"a":1,"\u0061":2}}"#)?.detail == #"duplicate key "a""#)
        #expect(rejection(#"{"ts":\#(Self.now),"event":"sos","data":{"a":{"b":1},"c":{"b":2}}}"#) == nil)
    }

    @Test func integersBeyondDoublePrecisionAreKeptExactly() throws {
        let outcome = ingest.process(RawMessage(topic: "devices/\(Fixture.community)/\(Fixture.wristband)/event",
                                                payload: Data(#"{"ts":\#(Self.now),"event":"sos","data":{"card":9007199254740993,"small":42}}"#.utf8),
                                                receivedAt: Self.now), registry: registry, now: Self.now)
        let message = try #require(outcome.messages?.first)
        guard case let .event(_, data) = message.body else { Issue.record("not an event"); return }
        #expect(data["card"] == .integer(9_007_199_254_740_993))
        #expect(data["small"] == .number(42))
        let encoded = String(decoding: try JSONEncoder().encode(data["card"]), as: UTF8.self)
        #expect(encoded == "9007199254740993")
    }

    @Test func everyRefusalNamesItsRealReason() {
        #expect(rejection(#"{"ts":1,"event":"sos","data":{"v":1e309}}"#)?.reason == .numberOutOfRange)
        #expect(rejection(#"{"ts":1,"event":"sos","data":{"v":1e-400}}"#)?.reason == .numberOutOfRange)
        #expect(rejection(#"{"ts":1,"event":"sos","data":{"v":\#(String(repeating: "1", count: 400))}}"#)?.reason == .numberOutOfRange)
        #expect(rejection(#"{"ts":1,"event":"sos","data":{"v":0.0e-400}}"#)?.reason != .numberOutOfRange)
        #expect(rejection(String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000))?.reason == .tooDeep)
        let broken = rejection(#"{"ts":1,"event" "sos"}"#)
        #expect(broken?.reason == .malformedJSON && broken?.detail == "not valid JSON (at byte 16: expected ':' after a key)")
        #expect(rejection(#"{"ts":1,"event":"sos"} trailing"#)?.reason == .malformedJSON)
    }

    // MARK: - Dead-letter shape

    @Test func deadLettersKeepKeysAndStructureNotValues() {
        func shape(_ text: String) -> String { String(decoding: DeadLetterRedaction.redact(Data(text.utf8)), as: UTF8.self) }
        #expect(shape(#"{"name":"王五","heart_rate":140,"ok":true}"#) == #"{"name":"**","heart_rate":###,"ok":true}"#)
        // A mutated key cannot carry a value through: only strings followed by ':' are keys.
        #expect(!shape(#"{""ame":"王五"}"#).contains("王") && !shape(#"{"name":"王五""#).contains("王"))
        // Found by the soak: a mutation that makes a value look like a key, or a name a tag.
        #expect(!shape(#"{"name":"王五":1}"#).contains("王") && !shape("<a><王五>1</王五></a>").contains("王"))
        #expect(shape("<a><name>王五</name><v x=\"13800\">72</v></a>") == "<a><name>**</name><v x=\"*****\">**</v></a>")
        #expect(shape(#"Code=AccessControl;index=0;data={"Name":"李四","RecNo":812}"#)
            == #"Code=AccessControl;index=#;data={"Name":"**","RecNo":###}"#)
        #expect(shape("not json 13812345678") == "not json ###########")
        #expect(String(decoding: DeadLetterRedaction.redact(Data([0xFF, 0x00])), as: UTF8.self) == "(binary payload of 2 bytes, not kept)")
    }
}
