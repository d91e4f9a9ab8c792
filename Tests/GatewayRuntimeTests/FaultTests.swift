import Foundation
import GatewayRuntime
import GRDB
import LocalBroker
import NIOHTTP1
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What the README's reliability section promises, proven with real parts: the daemon as a child process
/// killed with SIGKILL or stopped with SIGTERM under QoS 1 load, the broker restarted mid-stream, a
/// database that refuses writes, and a day of silence before the next alert. Every count is exact: zero
/// lost, zero stored twice.
@Suite("Faults: nothing acknowledged is lost", .serialized)
struct FaultTests {
    /// Two wristbands of the sample devices.yaml, in two communities.
    static let bands = [("xingfuli", "xf-0301-band"), ("cuiyuan1", "cy-0204-band")]

    /// `count` distinct telemetry readings (distinct device time per device), published QoS 1 as fast as
    /// the broker takes them; returns when `stopAfter` (if given) says so, or all are published.
    static func publishLoad(_ publisher: TestPublisher, count: Int, from start: Int = 0) throws {
        let base = Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000
        for index in start..<(start + count) {
            let (community, device) = bands[index % bands.count]
            try publisher.publish("devices/\(community)/\(device)/telemetry",
                                  #"{"ts": \#(base + Int64(index)), "metrics": {"heart_rate": \#(60 + index % 40), "battery": 80}}"#)
        }
    }

    static func waitUntil(_ timeout: Duration = .seconds(60), _ condition: () throws -> Bool) async rethrows -> Bool {
        try await eventually(timeout: timeout, condition)
    }

    /// The daemon (a child process, its own database and client id) and a device publisher that has offered
    /// `total` QoS 1 readings as fast as the broker takes them.
    static func daemonUnderLoad(_ broker: MosquittoBroker, name: String, total: Int) async throws -> (GatewayDaemon, TestPublisher) {
        let daemon = GatewayDaemon(broker: broker.url, directory: try TemporaryDirectory.make(prefix: "fault-\(name)"),
                                   clientID: "gatewayd-fault-\(name)")
        try await daemon.start()
        let publisher = try TestPublisher(broker: broker.url, inflight: 1000)
        try await publisher.connect()
        try publishLoad(publisher, count: total)
        return (daemon, publisher)
    }

    /// A PUBACK promises the event survives a power cut, not only a crash: the writer commits with
    /// `synchronous = FULL` (GRDB's WAL set-up sets NORMAL on it after `prepareDatabase`, which once hid ours).
    @Test func theWriterSyncsEveryCommitToDisk() throws {
        let directory = try TemporaryDirectory.make(prefix: "synchronous")
        defer { try? FileManager.default.removeItem(at: directory) }
        let pool = try GatewayDatabase.open(path: directory.appendingPathComponent("gateway.sqlite").path)
        let level = try pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
        #expect(level == 2, "PRAGMA synchronous is \(level.map(String.init) ?? "nil"), not FULL (2)")
        let mode = try pool.writeWithoutTransaction { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test func killMinus9UnderQoS1LoadLosesNothingAndStoresNothingTwice() async throws {
        let total = 8000
        try await withBroker { broker in
            let (daemon, publisher) = try await Self.daemonUnderLoad(broker, name: "kill", total: total / 2)
            // Kill mid-stream: some stored, the second half offered just before the kill and still coming.
            #expect(await Self.waitUntil { (try? daemon.count("SELECT COUNT(*) FROM events")) ?? 0 >= 500 })
            try Self.publishLoad(publisher, count: total / 2, from: total / 2)
            daemon.kill9()
            let atKill = try daemon.count("SELECT COUNT(*) FROM events")
            // Everything the broker accepted is in its queue for our persistent session.
            #expect(await Self.waitUntil { publisher.pending == 0 })
            try await daemon.start()
            let stored = await Self.waitUntil { (try? daemon.count("SELECT COUNT(*) FROM events")) == total }
            let count = try daemon.count("SELECT COUNT(*) FROM events")
            #expect(stored && count == total, "stored \(count) of \(total) (at the kill: \(atKill)); log:\n\(daemon.log.suffix(2000))")
            #expect(try daemon.count("SELECT COUNT(*) FROM (SELECT device_id, ts FROM events GROUP BY device_id, ts HAVING COUNT(*) > 1)") == 0)
            #expect(atKill < total, "the kill came after everything was stored; the test proved nothing")
            await publisher.disconnect()
            daemon.terminate()
        }
    }

    @Test func sigtermUnderLoadStoresEverythingAcknowledgedAndTheRestComesAfterRestart() async throws {
        let total = 6000
        try await withBroker { broker in
            let (daemon, publisher) = try await Self.daemonUnderLoad(broker, name: "term", total: total)
            #expect(await Self.waitUntil { (try? daemon.count("SELECT COUNT(*) FROM events")) ?? 0 >= 300 })
            let exit = daemon.terminate()
            #expect(exit == 0, "no clean exit after SIGTERM (\(exit.map(String.init) ?? "killed after 10 s")); log:\n\(daemon.log.suffix(1500))")
            #expect(await Self.waitUntil { publisher.pending == 0 })
            try await daemon.start()
            #expect(await Self.waitUntil { (try? daemon.count("SELECT COUNT(*) FROM events")) == total },
                    "stored \((try? daemon.count("SELECT COUNT(*) FROM events")) ?? -1) of \(total)")
            await publisher.disconnect()
            daemon.terminate()
        }
    }

    @Test func aBrokerRestartMidStreamLosesNothing() async throws {
        let total = 4000
        try await withBroker { broker in
            let daemon = GatewayDaemon(broker: broker.url, directory: try TemporaryDirectory.make(prefix: "fault-broker"),
                                       clientID: "gatewayd-fault-broker")
            try await daemon.start()
            let publisher = try TestPublisher(broker: broker.url, inflight: 1000)
            try await publisher.connect()
            try Self.publishLoad(publisher, count: total / 2)
            #expect(await Self.waitUntil { publisher.pending == 0 })
            let connections = publisher.connections
            broker.stop()
            try broker.start()
            // The device publishes the second half once it is connected again (what it queues while the broker is
            // down is the device's business); the gateway must store both halves, the first one from the
            // broker's persisted queue of its session.
            #expect(await Self.waitUntil { publisher.connections > connections })
            try Self.publishLoad(publisher, count: total / 2, from: total / 2)
            #expect(await Self.waitUntil { publisher.pending == 0 })
            #expect(await Self.waitUntil { (try? daemon.count("SELECT COUNT(*) FROM events")) == total },
                    "stored \((try? daemon.count("SELECT COUNT(*) FROM events")) ?? -1) of \(total); log:\n\(daemon.log.suffix(1500))")
            #expect(daemon.isRunning)
            await publisher.disconnect()
            daemon.terminate()
        }
    }

    /// A full disk (SQLite's `max_page_count` on the gateway's writer): ingest stops acknowledging, says
    /// why in `/readyz`, counts it, and resumes by itself when the database takes writes again.
    @Test func aDatabaseThatRefusesWritesHoldsTheBacklogAndResumesByItself() async throws {
        try await withHTTPGateway(prefix: "fault-full") { gateway, api, device, _, _ in
            let topic = "devices/xingfuli/band-1/telemetry"
            let base = nowMillis() - 60_000
            for index in 0..<100 {
                try device.publish(topic, #"{"ts": \#(base + Int64(index)), "metrics": {"heart_rate": 70}}"#)
            }
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM events")) == 100 })
            try await gateway.gateway.database.writeWithoutTransaction { db in
                let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 1
                try db.execute(sql: "PRAGMA max_page_count = \(pages)")
            }
            for index in 100..<1100 {
                try device.publish(topic, #"{"ts": \#(base + Int64(index)), "metrics": {"heart_rate": 71}}"#)
            }
            #expect(await eventually(timeout: .seconds(20)) { gateway.gateway.storageHealth.lastFailure != nil })
            #expect(await eventuallyAsync {
                guard let blocked = try? await api.send(.GET, "/readyz") else { return false }
                return blocked.status == 503 && blocked.text.contains("ingest_blocked")
            })
            let metrics = try await api.send(.GET, "/metrics", token: "metrics-secret")
            #expect(metrics.text.contains("gatewayd_ingest_write_failures_total"))
            try await gateway.gateway.database.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA max_page_count = 1073741823")
            }
            #expect(await eventually(timeout: .seconds(30)) { (try? gateway.count("SELECT COUNT(*) FROM events")) == 1100 },
                    "stored \((try? gateway.count("SELECT COUNT(*) FROM events")) ?? -1) of 1100")
            #expect(await eventually { gateway.gateway.storageHealth.lastFailure == nil })
            // /readyz answers from a reading at most a second old.
            #expect(await eventuallyAsync { (try? await api.send(.GET, "/readyz").status) == 200 })
        }
    }

    /// The MQTT outbox after a day without alert activity: published rows are pruned, the table is empty,
    /// and the next alert must still reach the console (ids are never reused).
    @Test func theAlertOutboxDoesNotStallAfterAQuietDay() async throws {
        let now = Atomic<Int64>(nowMillis())
        try await withBroker { broker in
            let directory = try TemporaryDirectory.make(prefix: "fault-quiet-day")
            let gateway = try RunningGateway(broker: broker.url, databasePath: directory.appendingPathComponent("g.sqlite").path,
                                             clock: { now.load(ordering: .relaxed) })
            try await gateway.start()
            let console = try TestSubscriber(broker: broker.url, filter: "alerts/#")
            try await console.connect()
            let device = try TestPublisher(broker: broker.url)
            try await device.connect()
            try device.publish("devices/xingfuli/band-1/event", #"{"ts": \#(now.load(ordering: .relaxed)), "event": "fall_detected"}"#)
            #expect(await eventually { console.json().contains { $0["device"] as? String == "band-1" } })
            #expect(await eventually { (try? gateway.count("SELECT COUNT(*) FROM mqtt_outbox WHERE published_at IS NULL")) == 0 })
            // A day passes without alert activity; the day-old published rows are pruned.
            now.add(25 * 3_600_000, ordering: .relaxed)
            try await gateway.gateway.alerts.pruneOutbox()
            #expect(try gateway.count("SELECT COUNT(*) FROM mqtt_outbox") == 0)
            try device.publish("devices/xingfuli/smoke-1/event", #"{"ts": \#(now.load(ordering: .relaxed)), "event": "smoke_alarm"}"#)
            #expect(await eventually { console.json().contains { $0["device"] as? String == "smoke-1" } },
                    "the alert after a quiet day never reached the console")
            await device.disconnect()
            await console.disconnect()
            try await gateway.stop()
        }
    }
}
