import AlertRules
import Foundation
import GRDB
import LocalBroker
import AsyncHTTPClient
import NIOHTTP1
import NIOSSL
import NIOCore
import Testing
@testable import GatewayRuntime
#if canImport(Glibc)
import Glibc
#endif

/// The daemon as a production service runs it: its files are the operator's alone.
@Suite(.serialized) struct ProductionDaemonTests {
    /// The file's permission bits (Foundation's attributes: `struct stat`'s members depend on which module
    /// the compiler takes it from).
    static func mode(_ path: String) -> mode_t? {
        guard let bits = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber else { return nil }
        return mode_t(bits.uint16Value) & 0o777
    }

    @Test func theDatabaseIsTheOperatorsAloneAndAWorldReadableOneIsRefused() async throws {
        try await withBroker { broker in
            let directory = try TemporaryDirectory.make(prefix: "perms")
            let daemon = GatewayDaemon(broker: broker.url, directory: directory, clientID: "gatewayd-perms")
            try await daemon.start()
            // Created under the daemon's 077 umask, whatever the caller's umask is.
            for file in [daemon.databasePath, daemon.databasePath + "-wal", daemon.databasePath + "-shm"] {
                #expect(Self.mode(file) == 0o600, "\(file) is \(Self.mode(file).map { String($0, radix: 8) } ?? "missing")")
            }
            #expect(daemon.terminate() == 0)

            // Someone loosened the file: the daemon refuses to start and says why …
            chmod(daemon.databasePath, 0o644)
            let refused = GatewayDaemon(broker: broker.url, directory: directory, clientID: "gatewayd-perms")
            await #expect(throws: (any Error).self) { try await refused.start() }
            #expect(refused.log.contains("other local users can read residents' data"), "\(refused.log.suffix(500))")
            // … unless told to, with a warning.
            let allowed = GatewayDaemon(broker: broker.url, directory: directory, clientID: "gatewayd-perms",
                                        extraArguments: ["--allow-insecure-permissions"])
            try await allowed.start()
            #expect(allowed.log.contains("allowed by --allow-insecure-permissions"))
            allowed.terminate()

            // Delivery targets carry tokens and phone numbers: http:// to another host is refused …
            let clear = GatewayDaemon(broker: broker.url, directory: directory, clientID: "gatewayd-perms",
                                      extraArguments: ["--allow-insecure-permissions", "--message-url", "http://192.0.2.10/send"])
            await #expect(throws: (any Error).self) { try await clear.start() }
            #expect(clear.log.contains("delivery targets must be https://"), "\(clear.log.suffix(400))")
            // … unless it is this machine (a local relay).
            let relay = GatewayDaemon(broker: broker.url, directory: directory, clientID: "gatewayd-perms",
                                      extraArguments: ["--allow-insecure-permissions", "--message-url", "http://127.0.0.1:9/send"])
            try await relay.start()
            relay.terminate()
        }
    }
}

/// Retention: rows past their horizon go, in small batches; everything else — and the report's inputs — stays.
@Suite(.serialized) struct RetentionTests {
    @Test func aSweepDeletesOnlyWhatIsPastItsHorizon() async throws {
        let yaml = TestRegistry.yaml.replacingOccurrences(
            of: "  flap_guard: {openings: 1000, window: 30m, hold: 10m}\n",
            with: "  flap_guard: {openings: 1000, window: 30m, hold: 10m}\n  retention: {dead_letters_per_source: 10, events: 30d}\n")
        let configuration = try RegistryLoader.parseConfiguration(yaml, file: "retention.yaml")
        #expect(configuration.retention.eventsSeconds == 30 * 86_400)
        #expect(configuration.retention.alertsSeconds == 1095 * 86_400)
        try await withBroker { broker in
            let directory = try TemporaryDirectory.make(prefix: "retention")
            let gateway = try RunningGateway(broker: broker.url, databasePath: directory.appendingPathComponent("g.sqlite").path,
                                             configuration: configuration)
            try await gateway.start()
            let device = try TestPublisher(broker: broker.url)
            try await device.connect()
            let now = nowMillis(), day: Int64 = 86_400_000
            for index in 0..<4 {
                try device.publish("devices/xingfuli/band-1/telemetry", #"{"ts": \#(now - Int64(index) * 1000), "metrics": {"heart_rate": 70}}"#)
            }
            for index in 0..<15 { try device.publish("devices/xingfuli/band-1/telemetry", "not json \(index)") }
            try device.publish("devices/xingfuli/band-1/event", #"{"ts": \#(now), "event": "fall_detected"}"#)
            #expect(await eventually {
                gateway.eventCount == 5 && gateway.deadLetterCount == 15
                    && (try? gateway.count("SELECT COUNT(*) FROM alerts")) == 1
            })
            let alertID = try #require(try await gateway.gateway.database.read { db in try String.fetchOne(db, sql: "SELECT id FROM alerts") })
            _ = try await gateway.gateway.alerts.commands.desk.perform(.resolve, alertID: alertID, community: nil, actor: "console-01",
                                                                       note: "已处置", category: .genuine, now: now)
            // Age some rows past their horizon (events 30 d here, alerts and the audit log 3 years).
            try await gateway.gateway.database.write { db in
                try db.execute(sql: "UPDATE events SET received_at = ? WHERE id IN (SELECT id FROM events ORDER BY id LIMIT 2)",
                               arguments: [now - 31 * day])
                try db.execute(sql: "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, 'old', 'x', 'y', NULL), (?, 'new', 'x', 'y', NULL)",
                               arguments: [now - 1100 * day, now - 400 * day])
                try db.execute(sql: """
                    INSERT INTO deliveries (idempotency_key, target, kind, alert_id, body, state, next_attempt_at, created_at)
                    VALUES ('old-sent', 'message', 'message.alert', 'al-x', '{}', 'delivered', 0, ?),
                           ('old-unsent', 'message', 'message.alert', 'al-x', '{}', 'pending', 0, ?)
                    """, arguments: [now - 100 * day, now - 100 * day])
            }
            let sweep = try #require(await gateway.gateway.retention.sweepOnce())
            #expect(sweep.deleted["events"] == 2)
            #expect(sweep.deleted["dead_letters"] == 5)
            #expect(sweep.deleted["deliveries"] == 1)
            #expect(sweep.deleted["audit_log"] == 1)
            #expect(sweep.deleted["alerts"] == 0)
            #expect(gateway.eventCount == 3)
            #expect(gateway.deadLetterCount == 10)
            #expect(try gateway.count("SELECT COUNT(*) FROM deliveries WHERE idempotency_key = 'old-unsent'") == 1)

            // A resolved alert older than three years goes with its trail; a recent one stays.
            try await gateway.gateway.database.write { db in
                try db.execute(sql: "UPDATE alerts SET resolved_at = ? WHERE id = ?", arguments: [now - 1100 * day, alertID])
            }
            let second = try #require(await gateway.gateway.retention.sweepOnce())
            #expect(second.deleted["alerts"] == 1)
            #expect(try gateway.count("SELECT COUNT(*) FROM alert_transitions") == 0)
            #expect(try gateway.count("SELECT COUNT(*) FROM alerts") == 0)
            await device.disconnect()
            try await gateway.stop()
        }
    }
}

/// `gatewayd broker-config` against a real mosquitto: each device publishes only its own topics, the console
/// only commands, anonymous clients are refused.
@Suite(.serialized) struct BrokerConfigTests {
    /// ``run(_:_:)`` waited for on a thread of Dispatch's, not of the test's cooperative pool: for a child that
    /// talks back to a gateway running in this process (its HTTP handlers need the pool; on 2 cores a blocked pool
    /// thread or two leaves them none).
    static func runOffPool(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try run(executable, arguments) })
            }
        }
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func devicesPublishOnlyTheirOwnTopicsAndAnonymousClientsAreRefused() async throws {
        let directory = try TemporaryDirectory.make(prefix: "broker-config")
        let out = directory.appendingPathComponent("mosquitto").path
        let sample = GatewayDaemon.repositoryRoot.appendingPathComponent("devices.yaml").path
        let generated = try Self.run(try GatewayDaemon.executable(), ["broker-config", sample, "--out", out])
        #expect(generated.status == 0, "\(generated.output)")
        #expect(ProductionDaemonTests.mode(out + "/credentials") == 0o600)
        var passwords: [String: String] = [:]
        for line in try String(contentsOfFile: out + "/credentials", encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            passwords[String(parts[0])] = String(parts[1])
        }
        let gatewayUser = try #require(passwords.keys.first { $0.hasPrefix("gatewayd-") })
        #expect(try String(contentsOfFile: out + "/passwd", encoding: .utf8).contains("$7$"))
        // Re-running keeps the passwords already handed out.
        _ = try Self.run(try GatewayDaemon.executable(), ["broker-config", sample, "--out", out])
        #expect(try String(contentsOfFile: out + "/credentials", encoding: .utf8).contains("\(gatewayUser) \(passwords[gatewayUser]!)"))

        let broker = try MosquittoBroker(extraConfig: "password_file \(out)/passwd\nacl_file \(out)/acl\n")
        try broker.start()
        defer { broker.stop() }
        let gateway = try TestSubscriber(broker: broker.url, filter: "#", username: gatewayUser, password: passwords[gatewayUser])
        try await gateway.connect()
        func publish(_ user: String?, _ topic: String, _ payload: String) throws -> Int32 {
            var arguments = ["-h", "127.0.0.1", "-p", "\(broker.port)", "-q", "1", "-t", topic, "-m", payload]
            if let user { arguments += ["-u", user, "-P", passwords[user] ?? ""] }
            return try Self.run("/usr/bin/mosquitto_pub", arguments).status
        }
        // A device's credential cannot speak for another device, nor command the console's alerts.
        _ = try publish("xf-0301-band", "devices/xingfuli/xf-0502-band/event", "forged-other-device")
        _ = try publish("xf-0301-band", "alert-commands/xingfuli/al-1/resolve", "forged-command")
        _ = try publish("console", "devices/xingfuli/xf-0301-band/event", "forged-by-console")
        #expect(try publish(nil, "devices/xingfuli/xf-0301-band/event", "anonymous") != 0)
        // What each may do arrives (after the refused ones, on the same broker: order proves they were dropped).
        #expect(try publish("xf-0301-band", "devices/xingfuli/xf-0301-band/event", "own-topic") == 0)
        #expect(try publish("console", "alert-commands/xingfuli/al-1/ack", "console-command") == 0)
        #expect(await eventually {
            let payloads = Set(gateway.messages.map { String(decoding: $0.payload, as: UTF8.self) })
            return payloads.contains("own-topic") && payloads.contains("console-command")
        })
        let payloads = gateway.messages.map { String(decoding: $0.payload, as: UTF8.self) }
        #expect(!payloads.contains { $0.hasPrefix("forged") || $0 == "anonymous" }, "\(payloads)")
    }
}

/// SIGHUP and `POST /api/v1/admin/reload` on the real daemon: a broken file changes nothing; a good one swaps
/// rules and tokens in while open alerts and running windows carry on.
@Suite(.serialized) struct ReloadTests {
    static let sustained = """
          - id: elder.hr_sustained
            title: 心率持续过高
            severity: major
            applies_to: [wristband]
            sustained: {metric: heart_rate, above: 120, for: 60s}

        """

    @Test func aBrokenFileIsRefusedAndAGoodOneSwapsInKeepingAlertsAndWindows() async throws {
        try await withBroker { broker in
            let directory = try TemporaryDirectory.make(prefix: "reload")
            let configURL = directory.appendingPathComponent("devices.yaml")
            let base = TestRegistry.yaml.replacingOccurrences(of: "rules:\n", with: "rules:\n" + Self.sustained)
            try base.write(to: configURL, atomically: true, encoding: .utf8)
            let daemon = GatewayDaemon(broker: broker.url, directory: directory, config: configURL.path, clientID: "gatewayd-reload")
            try await daemon.start()
            let device = try TestPublisher(broker: broker.url)
            try await device.connect()
            let now = nowMillis()
            // A fall opens an alert; a heart rate above 120 starts a sustained window (60 s of device time).
            try device.publish("devices/xingfuli/band-1/event", #"{"ts": \#(now - 70_000), "event": "fall_detected"}"#)
            try device.publish("devices/xingfuli/band-1/telemetry", #"{"ts": \#(now - 70_000), "metrics": {"heart_rate": 130}}"#)
            #expect(await eventually { (try? daemon.count("SELECT COUNT(*) FROM events")) == 2 })

            // A broken file: refused with where and why, the daemon keeps running on the old one.
            try (base + "\nrules: [\n").write(to: configURL, atomically: true, encoding: .utf8)
            kill(daemon.pid, SIGHUP)
            #expect(await eventually { daemon.log.contains("reload refused") })
            #expect(daemon.log.contains("devices.yaml:"))
            #expect(daemon.isRunning)

            // A good file with a new rule (battery below 30 % warns): swapped in, audited.
            let good = base.replacingOccurrences(of: "threshold: {metric: battery, below: 20, clear_above: 30}",
                                                 with: "threshold: {metric: battery, below: 30, clear_above: 40}")
            try good.write(to: configURL, atomically: true, encoding: .utf8)
            kill(daemon.pid, SIGHUP)
            #expect(await eventually { daemon.log.contains("configuration reloaded") })
            #expect(try daemon.count("SELECT COUNT(*) FROM audit_log WHERE action = 'config.reload' AND actor = 'sighup'") == 1)
            // The new threshold applies; the fall is still open; the heart-rate window kept running across the reload.
            try device.publish("devices/xingfuli/band-1/telemetry", #"{"ts": \#(now - 5000), "metrics": {"heart_rate": 131, "battery": 25}}"#)
            #expect(await eventually {
                (try? daemon.count("SELECT COUNT(*) FROM alerts WHERE rule IN ('elder.battery_low', 'elder.hr_sustained') AND state = 'open'")) == 2
            })
            #expect(try daemon.count("SELECT COUNT(*) FROM alerts WHERE rule = 'elder.fall' AND state = 'open'") == 1)

            // The same over HTTP, admin only; an invalid file answers 422 with file:line:column.
            try (good + "\nbogus_section: 1\n").write(to: configURL, atomically: true, encoding: .utf8)
            let api = APIClient(base: daemon.base, client: .shared)
            #expect(try await api.send(.POST, "/api/v1/admin/reload", token: "console-secret").status == 403)
            let refused = try await api.send(.POST, "/api/v1/admin/reload", token: "admin-secret")
            #expect(refused.status == 422)
            #expect(refused.text.contains("bogus_section"), "\(refused.text)")
            try good.write(to: configURL, atomically: true, encoding: .utf8)
            #expect(try await api.send(.POST, "/api/v1/admin/reload", token: "admin-secret").status == 200)
            await device.disconnect()
            daemon.terminate()
        }
    }
}

/// TLS with a CA made in the test: the HTTP API over HTTPS, and mqtts to a broker that requires a client
/// certificate.
@Suite(.serialized) struct TLSTests {
    /// A CA, a server certificate for 127.0.0.1 and a client certificate, signed by the CA (openssl).
    static func makeCertificates(in directory: URL) throws {
        let script = """
            set -e
            cd '\(directory.path)'
            printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=gatewayd-test-ca
            for name in server client; do
              openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout $name.key -out $name.csr -subj /CN=127.0.0.1
              openssl x509 -req -in $name.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out $name.crt -days 2 -extfile san.ext
            done
            """
        let result = try BrokerConfigTests.run("/bin/sh", ["-c", script])
        guard result.status == 0 else { throw BrokerError("openssl failed: \(result.output)") }
    }

    @Test func theAPIIsServedOverHTTPSAndTheBrokerIsReachedWithAClientCertificate() async throws {
        let directory = try TemporaryDirectory.make(prefix: "tls")
        try Self.makeCertificates(in: directory)
        let path = { (name: String) in directory.appendingPathComponent(name).path }
        let broker = try MosquittoBroker(extraConfig: """
            cafile \(path("ca.crt"))
            certfile \(path("server.crt"))
            keyfile \(path("server.key"))
            require_certificate true
            """)
        try broker.start()
        defer { broker.stop() }
        let gateway = try RunningGateway(broker: "mqtts://127.0.0.1:\(broker.port)", databasePath: path("g.sqlite"), configure: { settings in
            settings.caFile = path("ca.crt")
            settings.certFile = path("client.crt")
            settings.keyFile = path("client.key")
            var http = HTTPServerSettings(host: "127.0.0.1", port: 0)
            http.tlsCertificateFile = path("server.crt")
            http.tlsKeyFile = path("server.key")
            settings.http = http
        })
        // Connected and subscribed over mutual TLS (start() waits for it).
        try await gateway.start()
        let port = try #require(await eventuallyValue { gateway.gateway.httpPort })
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(path("ca.crt"))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        let response = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(port)/healthz"), timeout: .seconds(5))
        #expect(response.status.code == 200)
        // Plain HTTP on the HTTPS port gets nothing useful.
        let plain = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(5))
        #expect(plain?.status.code != 200)
        try await client.shutdown()
        try await gateway.stop()
    }
}

/// Guessing tokens or push secrets from one address is slowed down: 429 after the per-minute limit.
@Suite(.serialized) struct AuthThrottleTests {
    @Test func repeatedFailedAuthenticationIsAnswered429WithRetryAfter() async throws {
        try await withHTTPGateway(prefix: "throttle", configure: { settings, _ in
            settings.http?.authFailuresPerMinute = 5
        }) { _, api, _, _, _ in
            for _ in 0..<5 {
                #expect(try await api.send(.GET, "/api/v1/alerts", token: "guess").status == 401)
            }
            let limited = try await api.send(.GET, "/api/v1/alerts", token: "guess")
            #expect(limited.status == 429)
            #expect((limited.json["error"] as? [String: Any])?["code"] as? String == "too_many_failed_attempts")
            // The address is held back on every route until the minute is over, push routes included.
            #expect(try await api.send(.POST, "/api/v1/push/isapi/door-hik", token: "guess", body: "{}").status == 429)
        }
    }
}
