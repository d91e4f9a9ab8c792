import AsyncHTTPClient
import Foundation
import FuzzInput
import LocalBroker
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Testing

/// Hostile and mutated bodies of every content type posted to the push routes of the real daemon, running
/// as a child process (a trap in a parser would end it, not the test run): it stays alive, answers only
/// 2xx/4xx, and every answered push is accounted for — a 200 as the events it reports stored, a 400 as
/// exactly one dead letter. Seeded and bounded for CI (`GATEWAYD_FUZZ_COUNT`, `GATEWAYD_FUZZ_SEED` make
/// it the long soak of `scripts/fuzz-soak.sh`).
@Suite("Push fuzzing against the daemon", .serialized)
struct PushFuzzTests {
    static let door = "xf-b3u2-door"
    static let camera = "xf-b3-facade-cam"

    struct Target {
        var path: String
        var contentType: String
        var seed: String
    }

    static func targets(now: Int64) -> [Target] {
        let iso = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(now) / 1000))
        let access = #"{"eventType":"AccessControllerEvent","dateTime":"\#(iso)","eventState":"active","AccessControllerEvent":{"majorEventType":5,"subEventType":27,"serialNo":1,"name":"王五"}}"#
        let xml = #"<?xml version="1.0" encoding="UTF-8"?><EventNotificationAlert version="2.0"><dateTime>\#(iso)</dateTime><eventType>fielddetection</eventType><eventState>active</eventState><channelID>1</channelID></EventNotificationAlert>"#
        let multipart = "--B\r\nContent-Disposition: form-data; name=\"AccessControllerEvent\"\r\nContent-Type: application/json\r\n\r\n\(access)\r\n"
            + "--B\r\nContent-Disposition: form-data; name=\"Picture\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\u{7F}JPEGDATA\r\n--B--\r\n"
        let dahua = #"Code=AccessControl;action=Pulse;index=0;data={"UTC":\#(now / 1000),"RecNo":812,"Method":15,"Status":1,"Name":"李四"}"#
        return [
            Target(path: "/api/v1/push/isapi/\(door)", contentType: "application/json", seed: access),
            Target(path: "/api/v1/push/isapi/\(camera)", contentType: "application/xml", seed: xml),
            Target(path: "/api/v1/push/isapi/\(door)", contentType: "multipart/form-data; boundary=B", seed: multipart),
            Target(path: "/api/v1/push/dahua/\(door)", contentType: "text/plain", seed: dahua),
        ]
    }

    struct Tally: Sendable {
        var sent = 0
        var stored = 0
        var rejected = 0
        var refusedUnread = 0
        var statuses: [Int: Int] = [:]
    }

    struct Reply: Sendable {
        var status: Int
        var stored: Int?
        var message: String?
    }

    static func post(_ base: String, _ target: Target, body: [UInt8], contentType: String? = nil) async throws -> Reply {
        let secret = target.path.contains(camera) ? "demo-push-\(camera)" : "demo-push-\(door)"
        var request = HTTPClientRequest(url: base + target.path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType ?? target.contentType)
        request.headers.add(name: "X-Device-Secret", value: secret)
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let data = Data(buffer: try await response.body.collect(upTo: 1 << 20))
        let json = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        return Reply(status: Int(response.status.code), stored: json["stored"] as? Int,
                     message: (json["error"] as? [String: Any])?["message"] as? String)
    }

    @Test func hostileAndMutatedPushesNeverKillTheDaemonAndEachIsAccountedFor() async throws {
        let environment = ProcessInfo.processInfo.environment
        let perTarget = environment["GATEWAYD_FUZZ_COUNT"].flatMap(Int.init) ?? 600
        let seed = environment["GATEWAYD_FUZZ_SEED"].flatMap(UInt64.init) ?? 20_261_202
        try await withBroker { broker in
            let daemon = GatewayDaemon(broker: broker.url, directory: try TemporaryDirectory.make(prefix: "push-fuzz"))
            try await daemon.start()
            defer { daemon.terminate() }
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let targets = Self.targets(now: now)

            // The corpus first: the exact bytes that killed the daemon, and the other hostile inputs.
            var inputs: [(Target, [UInt8], String?)] = []
            let corpus = GatewayDaemon.repositoryRoot.appendingPathComponent("Tests/HostileCorpus")
            for name in try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted() {
                let bytes = [UInt8](try Data(contentsOf: corpus.appendingPathComponent(name)))
                switch name.prefix(while: { $0 != "_" }) {
                case "isapi-xml": inputs.append((targets[1], bytes, nil))
                case "isapi-multipart": inputs.append((targets[2], bytes, nil))
                case "dahua": inputs.append((targets[3], bytes, nil))
                case "canonical-event": inputs.append((targets[0], bytes, nil))
                default: break
                }
            }
            var random = SeededGenerator(seed: seed)
            for target in targets {
                inputs.append((target, Array(target.seed.utf8), nil))
                for index in 0..<perTarget {
                    if index % 5 == 4 {
                        inputs.append((target, (0..<Int.random(in: 0...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }, nil))
                    } else {
                        let operations = (0..<Int.random(in: 1...5, using: &random)).map { _ in random.next() }
                        inputs.append((target, Mutation.apply(operations, to: Array(target.seed.utf8)), nil))
                    }
                }
            }

            var tally = Tally()
            var unexpected: [String] = []
            // Eight pushers at once, as a community's terminals would.
            try await withThrowingTaskGroup(of: (Reply, String).self) { group in
                var next = 0
                func submit() {
                    guard next < inputs.count else { return }
                    let (target, body, type) = inputs[next]
                    let label = "\(target.contentType) #\(next): \(body.prefix(80).map { String(format: "%02x", $0) }.joined())"
                    next += 1
                    group.addTask { (try await Self.post(daemon.base, target, body: body, contentType: type), label) }
                }
                for _ in 0..<8 { submit() }
                while let (reply, label) = try await group.next() {
                    let status = reply.status
                    tally.sent += 1
                    tally.statuses[status, default: 0] += 1
                    switch status {
                    case 200: tally.stored += reply.stored ?? 0
                    case 400: tally.rejected += 1
                    case 401, 413, 415: tally.refusedUnread += 1
                    default: unexpected.append("\(status) for \(label)")
                    }
                    submit()
                }
            }
            #expect(daemon.isRunning, "the daemon died; log:\n\(daemon.log.suffix(3000))")
            let ready = await GatewayDaemon.status("\(daemon.base)/readyz")
            #expect(ready == 200)
            #expect(unexpected.isEmpty, "\(unexpected.prefix(10))")
            #expect(tally.sent == inputs.count)
            // Every answered push is stored or dead-lettered, once.
            // (Besides the gateway's own events about device clocks the fuzzed times put out of limits.)
            #expect(try daemon.count("SELECT COUNT(*) FROM events WHERE format != 'gateway'") == tally.stored, "\(tally)")
            #expect(try daemon.count("SELECT COUNT(*) FROM dead_letters") == tally.rejected, "\(tally)")
            // Dead letters keep shapes, not values: no name from the seeds survives.
            #expect(try daemon.count("SELECT COUNT(*) FROM dead_letters WHERE CAST(payload AS TEXT) LIKE '%王五%' OR CAST(payload AS TEXT) LIKE '%李四%'") == 0)
            print("push fuzz: \(tally.sent) pushes, statuses \(tally.statuses.sorted { $0.key < $1.key }), \(tally.stored) events stored, \(tally.rejected) dead letters (seed \(seed))")
        }
    }

    /// The two single requests that killed the daemon (FoundationXML, MultipartKit 4.7.1), each refused with
    /// a reason while the daemon keeps serving; an undefined entity no longer cuts a document short.
    @Test func theTwoKillerRequestsAreRefusedWithAReason() async throws {
        try await withBroker { broker in
            let daemon = GatewayDaemon(broker: broker.url, directory: try TemporaryDirectory.make(prefix: "push-killers"))
            try await daemon.start()
            defer { daemon.terminate() }
            let targets = Self.targets(now: Int64(Date().timeIntervalSince1970 * 1000))
            let xml: [UInt8] = Array("<a><b".utf8) + [0xFF] + Array(">x</b".utf8) + [0xFF] + Array("></a>".utf8)
            let xmlReply = try await Self.post(daemon.base, targets[1], body: xml)
            #expect(xmlReply.status == 400 && xmlReply.message == "XML is not valid UTF-8 (at byte 5)", "\(xmlReply)")
            let multipart: [UInt8] = Array("--B\r\nX".utf8) + [0xDB] + Array(": y\r\n\r\nz\r\n--B--\r\n".utf8)
            let partReply = try await Self.post(daemon.base, targets[2], body: multipart)
            #expect(partReply.status == 400 && partReply.message == "multipart part 1 has a header name that is not an HTTP token", "\(partReply)")
            let cut = #"<EventNotificationAlert><eventType>ObjectThrowingDetection</eventType><x>&undefined;</x><eventState>inactive</eventState></EventNotificationAlert>"#
            let cutReply = try await Self.post(daemon.base, targets[1], body: Array(cut.utf8))
            #expect(cutReply.status == 400)
            let ready = await GatewayDaemon.status("\(daemon.base)/readyz")
            #expect(daemon.isRunning && ready == 200, "\(daemon.log.suffix(2000))")
            #expect(try daemon.count("SELECT COUNT(*) FROM dead_letters") == 3)
            #expect(try daemon.count("SELECT COUNT(*) FROM alerts") == 0)
        }
    }
}
