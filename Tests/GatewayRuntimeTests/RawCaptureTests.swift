import Foundation
import GRDB
import GatewayRuntime
import NIOHTTP1
import Testing

/// Dead letters keep a payload's shape by default; an admin's time-limited raw capture of one device keeps
/// its payloads as received, audited.
@Suite("Dead-letter shape and raw capture", .serialized)
struct RawCaptureTests {
    @Test func deadLettersAreMaskedUnlessAnAdminCapturesTheDevice() async throws {
        try await withHTTPGateway(prefix: "raw-capture") { gateway, api, device, _, _ in
            let topic = "devices/xingfuli/band-1/telemetry"
            try device.publish(topic, #"{"ts": 1, "metrics": {"heart_rate": 140, "note": "王五"}"#)
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM dead_letters")) == 1 })
            let masked = try await gateway.gateway.database.read { db in
                try Row.fetchOne(db, sql: "SELECT payload, payload_kept, payload_sha256, payload_size FROM dead_letters")
            }
            #expect(String(decoding: masked?["payload"] as Data? ?? Data(), as: UTF8.self)
                    == #"{"ts": #, "metrics": {"heart_rate": ###, "note": "**"}"#)
            #expect(masked?["payload_kept"] as String? == "redacted" && (masked?["payload_sha256"] as String?)?.count == 64)

            // Only an admin may start it; an installer is refused.
            let refused = try await api.send(.PUT, "/api/v1/devices/band-1/raw-capture", token: "installer-secret", body: #"{"duration":"30m"}"#)
            #expect(refused.status == 403)
            let tooLong = try await api.send(.PUT, "/api/v1/devices/band-1/raw-capture", token: "admin-secret", body: #"{"duration":"2d"}"#)
            #expect(tooLong.status == 400)
            let started = try await api.send(.PUT, "/api/v1/devices/band-1/raw-capture", token: "admin-secret", body: #"{"duration":"30m"}"#)
            #expect(started.status == 200 && started.json["by"] as? String == "admin", "\(started.text)")
            try device.publish(topic, #"{"ts": 2, "metrics": {"heart_rate": 141}"#)
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM dead_letters WHERE payload_kept = 'raw'")) == 1 })
            let raw = try await gateway.gateway.database.read { db in
                try Data.fetchOne(db, sql: "SELECT payload FROM dead_letters WHERE payload_kept = 'raw'")
            }
            #expect(raw.map { String(decoding: $0, as: UTF8.self) } == #"{"ts": 2, "metrics": {"heart_rate": 141}"#)
            let stopped = try await api.send(.DELETE, "/api/v1/devices/band-1/raw-capture", token: "admin-secret")
            #expect(stopped.status == 204)
            #expect(try gateway.count("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'device.raw_capture.%' AND actor = 'admin'") == 2)
            let listed = try await api.send(.GET, "/api/v1/dead-letters", token: "installer-secret")
            #expect(listed.text.contains(#""payload_kept":"redacted""#) && !listed.text.contains("王五"))
        }
    }
}
