import ArgumentParser
import DeviceModel
import Foundation
import GRDB
import LocalBroker

/// `gatewayd-bench e2e`: what the gateway exists for, measured the same way every time against a real
/// mosquitto on loopback. The gateway runs as a child process (this binary's `gateway-child`), so its
/// memory is its own; the load generator and subscribers run here.
struct EndToEnd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "End-to-end ingest throughput, publish→alert latency and memory, against broker pass-through.",
        discussion: "Prints a table and, as its last line, one JSON object. --quick runs in under a minute."
    )

    @Flag(help: "A short run (under a minute) for smoke tests.") var quick = false
    @Option(help: "Configuration whose rules are used.") var config = "devices.yaml"
    @Option(help: "QoS of the offered load (0 or 1).") var qos: Int32 = 1
    @Option(help: "Messages in each throughput run (default 200000, --quick 30000).") var messages: Int?
    @Option(help: "Seconds of each fixed-rate latency run (default 10, --quick 3).") var seconds: Int?

    func run() async throws {
        let count = messages ?? (quick ? 30_000 : 200_000)
        let duration = seconds ?? (quick ? 3 : 10)
        let broker = try MosquittoBroker(persistence: false)
        try broker.start()
        defer { broker.stop() }
        let deployment = try SyntheticDeployment.registry(deviceCount: 10_000)
        let devices = deployment.sortedDevices
        let wristbands = devices.filter { $0.type == .wristband }
        var times = DeviceTimestamps()
        func nextTS(_ deviceID: String) -> Int64 { times.next(deviceID) }

        // 1. Broker pass-through: the same load to a subscriber that only counts.
        let load = try LoadGenerator(broker: broker.url, connections: 4)
        try await load.connect()
        let counter = try CountingSubscriber(broker: broker.url, filter: "devices/#", recordAlerts: false)
        try await counter.connect()
        var generator = MessageGenerator(devices: devices, abnormalShare: 0)
        let passthrough = try await measureThroughput(count: count, load: load, generator: &generator, nextTS: nextTS) { counter.count }
        await counter.disconnect()
        report("broker pass-through", passthrough)

        // 2. The gateway, 10,000 devices: throughput, then latency at 2,000 and 10,000 msg/s.
        let child10k = try await GatewayProcess.start(broker: broker.url, devices: 10_000, config: config)
        let stored = try await measureThroughput(count: count, load: load, generator: &generator, nextTS: nextTS, sampling: child10k) { child10k.storedEvents }
        report("gateway ingest (10k devices)", stored)
        let console = try CountingSubscriber(broker: broker.url, filter: "alerts/#", recordAlerts: true)
        try await console.connect()
        let latency2k = try await measureLatency(rate: 2000, seconds: duration, load: load, generator: &generator,
                                                 wristbands: wristbands, offset: 0, console: console, nextTS: nextTS, sampling: child10k)
        let latency10k = try await measureLatency(rate: 10_000, seconds: duration, load: load, generator: &generator,
                                                  wristbands: wristbands, offset: latency2k.sent, console: console, nextTS: nextTS, sampling: child10k)
        await console.disconnect()
        let rss10k = child10k.peakRSSMegabytes
        let steady10k = child10k.maxSampledRSS
        child10k.stop()

        // 3. Memory with 100,000 registered devices under the same load.
        let child100k = try await GatewayProcess.start(broker: broker.url, devices: 100_000, config: config)
        var generator100k = MessageGenerator(devices: try SyntheticDeployment.registry(deviceCount: 100_000).sortedDevices, abnormalShare: 0)
        let stored100k = try await measureThroughput(count: count, load: load, generator: &generator100k, nextTS: nextTS, sampling: child100k) { child100k.storedEvents }
        let rss100k = child100k.peakRSSMegabytes
        let steady100k = child100k.maxSampledRSS
        child100k.stop()
        await load.disconnect()

        print("")
        print(pad("measure", 34) + "value")
        print(pad("qos", 34) + "\(qos)")
        print(pad("offered (publish rate)", 34) + String(format: "%.0f msg/s", passthrough.offeredPerSecond))
        print(pad("broker pass-through", 34) + String(format: "%.0f msg/s", passthrough.perSecond))
        print(pad("gateway stored (10k devices)", 34) + String(format: "%.0f msg/s (%.0f %% of pass-through)", stored.perSecond,
                                                              100 * stored.perSecond / passthrough.perSecond))
        print(pad("gateway stored (100k devices)", 34) + String(format: "%.0f msg/s", stored100k.perSecond))
        for (label, latency) in [("latency @2000 msg/s", latency2k), ("latency @10000 msg/s", latency10k)] {
            print(pad(label, 34) + String(format: "p50 %.1f  p90 %.1f  p99 %.1f  max %.1f ms  (%d alerts, %d missing, offered %.0f msg/s)",
                                          latency.p(50), latency.p(90), latency.p(99), latency.max, latency.samples.count,
                                          latency.missing, latency.offeredPerSecond))
        }
        print(pad("RSS, 10k devices", 34) + String(format: "%.1f MB under load (%.1f MB peak incl. start-up)", steady10k, rss10k))
        print(pad("RSS, 100k devices", 34) + String(format: "%.1f MB under load (%.1f MB peak incl. start-up)", steady100k, rss100k))
        let json: [String: Any] = [
            "qos": qos, "messages": count,
            "passthrough_msgs_per_s": passthrough.perSecond.rounded(), "offered_msgs_per_s": passthrough.offeredPerSecond.rounded(),
            "gateway_msgs_per_s": stored.perSecond.rounded(), "gateway_msgs_per_s_100k": stored100k.perSecond.rounded(),
            "ratio": (stored.perSecond / passthrough.perSecond * 1000).rounded() / 1000,
            "p50_ms_2k": latency2k.p(50), "p90_ms_2k": latency2k.p(90), "p99_ms_2k": latency2k.p(99), "max_ms_2k": latency2k.max,
            "p50_ms_10k": latency10k.p(50), "p90_ms_10k": latency10k.p(90), "p99_ms_10k": latency10k.p(99), "max_ms_10k": latency10k.max,
            "rss_mb_10k": (steady10k * 10).rounded() / 10, "rss_mb_100k": (steady100k * 10).rounded() / 10,
            "rss_hwm_mb_10k": (rss10k * 10).rounded() / 10, "rss_hwm_mb_100k": (rss100k * 10).rounded() / 10,
        ]
        print(String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self))
    }

    struct Throughput {
        var messages: Int
        var seconds: Double
        var publishSeconds: Double
        var perSecond: Double { Double(messages) / seconds }
        var offeredPerSecond: Double { Double(messages) / publishSeconds }
    }

    /// Publishes `count` messages as fast as the generator can, then waits until `received()` reaches
    /// `count` (60 s at most). The rate is messages / (first publish → last received).
    func measureThroughput(count: Int, load: LoadGenerator, generator: inout MessageGenerator, nextTS: (String) -> Int64,
                           sampling child: GatewayProcess? = nil, received: () throws -> Int) async throws -> Throughput {
        let before = try received()
        let started = ContinuousClock.now
        for index in 0..<count {
            var message = generator.next(index: index, ts: 0)
            message.ts = nextTS(message.deviceID)
            try await load.publish(index, topic: CanonicalPayload.topic(message), payload: CanonicalPayload.json(message), qos: qos)
            if index % 2000 == 0 { child?.sampleRSS() }
        }
        let published = ContinuousClock.now
        let deadline = published.advanced(by: .seconds(60))
        while try received() - before < count, ContinuousClock.now < deadline {
            child?.sampleRSS()
            try await Task.sleep(for: .milliseconds(20))
        }
        child?.sampleRSS()
        let done = try received() - before
        return Throughput(messages: done, seconds: (ContinuousClock.now - started).seconds, publishSeconds: (published - started).seconds)
    }

    struct Latency {
        var samples: [Double]
        var missing: Int
        var sent: Int
        var offeredPerSecond: Double
        func p(_ percentile: Double) -> Double {
            guard !samples.isEmpty else { return -1 }
            let sorted = samples.sorted()
            let value = sorted[min(sorted.count - 1, Int((percentile / 100 * Double(sorted.count)).rounded(.up)) - 1)]
            return (value * 100).rounded() / 100
        }
        var max: Double { ((samples.max() ?? -1) * 100).rounded() / 100 }
    }

    /// Offers `rate` msg/s for `seconds`, 1 % of them falls on distinct wristbands (each opens an alert),
    /// and measures publish → alert received on `alerts/#`.
    func measureLatency(rate: Int, seconds: Int, load: LoadGenerator, generator: inout MessageGenerator, wristbands: [Device],
                        offset: Int, console: CountingSubscriber, nextTS: (String) -> Int64, sampling child: GatewayProcess) async throws -> Latency {
        var published: [(String, ContinuousClock.Instant)] = []
        let total = rate * seconds
        let tick = 0.005
        let perTick = max(1, Int(Double(rate) * tick))
        let started = ContinuousClock.now
        var index = 0
        var abnormal = offset
        while index < total {
            for _ in 0..<perTick where index < total {
                if index % 100 == 50 {
                    let band = wristbands[abnormal % wristbands.count]
                    let ts = nextTS(band.id)
                    abnormal += 1
                    let message = DeviceMessage(deviceID: band.id, community: band.community, ts: ts,
                                                body: .event(name: "fall_detected", data: [:]), format: "canonical")
                    try await load.publish(index, topic: CanonicalPayload.topic(message), payload: CanonicalPayload.json(message), qos: qos)
                    published.append(("\(band.id)|\(ts)", ContinuousClock.now))
                } else {
                    var message = generator.next(index: index, ts: 0)
                    message.ts = nextTS(message.deviceID)
                    try await load.publish(index, topic: CanonicalPayload.topic(message), payload: CanonicalPayload.json(message), qos: qos)
                }
                index += 1
            }
            if index % 1000 < perTick { child.sampleRSS() }
            let due = started.advanced(by: .seconds(Double(index) / Double(rate)))
            if due > ContinuousClock.now { try await Task.sleep(until: due, clock: .continuous) }
        }
        let offered = Double(total) / (ContinuousClock.now - started).seconds
        try await Task.sleep(for: .seconds(3))
        var samples: [Double] = []
        var missing = 0
        for (key, at) in published {
            if let arrived = console.arrival(key: key) { samples.append((arrived - at).seconds * 1000) } else { missing += 1 }
        }
        return Latency(samples: samples, missing: missing, sent: abnormal, offeredPerSecond: offered)
    }

    private func report(_ label: String, _ result: Throughput) {
        FileHandle.standardError.write(Data(String(format: "%@: %d messages, %.0f msg/s (offered %.0f msg/s)\n", label,
                                                   result.messages, result.perSecond, result.offeredPerSecond).utf8))
    }

    private func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// The gateway under test as a child process of this binary.
final class GatewayProcess: @unchecked Sendable {
    let pid: pid_t
    let directory: URL
    let database: DatabaseQueue

    /// `directory` and `clientID` given: a restart on the same database and persistent session.
    static func start(broker: String, devices: Int, config: String, directory given: URL? = nil,
                      clientID: String? = nil) async throws -> GatewayProcess {
        let directory = given ?? FileManager.default.temporaryDirectory.appendingPathComponent("gatewayd-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("bench.sqlite").path
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        let arguments = ["gateway-child", "--broker", broker, "--db", path, "--devices", "\(devices)", "--config", config]
            + (clientID.map { ["--client-id", $0] } ?? [])
        // GATEWAYD_BENCH_CHILD_PREFIX="/usr/bin/perf record -e cpu-clock -g -o /tmp/perf.data" profiles the gateway.
        let prefix = ProcessInfo.processInfo.environment["GATEWAYD_BENCH_CHILD_PREFIX"]?.split(separator: " ").map(String.init) ?? []
        let pid = prefix.isEmpty ? try ChildProcess.spawn(executable, arguments)
            : try ChildProcess.spawn(prefix[0], Array(prefix.dropFirst()) + [executable] + arguments)
        let presence = try CountingSubscriber(broker: broker, filter: "gateway/gw-bench/status", recordAlerts: false)
        // Ready once the database exists with its schema and the gateway's presence says online.
        let deadline = ContinuousClock.now.advanced(by: .seconds(120))
        var database: DatabaseQueue?
        while ContinuousClock.now < deadline {
            guard ChildProcess.isRunning(pid) else { throw BrokerError("the gateway child exited during start-up") }
            if database == nil, FileManager.default.fileExists(atPath: path) {
                var configuration = Configuration()
                configuration.readonly = true
                database = try? DatabaseQueue(path: path, configuration: configuration)
            }
            if let database, (try? await database.read { db in try db.tableExists("events") }) == true { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        try await presence.connect()
        // The previous child's retained `offline` may arrive first: wait for this one's `online`.
        while presence.lastPayload != "online", ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        await presence.disconnect()
        try await Task.sleep(for: .milliseconds(300))
        guard let database else { throw BrokerError("the gateway child did not create its database") }
        return GatewayProcess(pid: pid, directory: directory, database: database)
    }

    private init(pid: pid_t, directory: URL, database: DatabaseQueue) {
        self.pid = pid
        self.directory = directory
        self.database = database
    }

    var storedEvents: Int { (try? database.read { db in try Int.fetchOne(db, sql: "SELECT MAX(id) FROM events") ?? 0 }) ?? 0 }
    /// Rows kept: events and dead letters (each accepted message is exactly one of them or a duplicate).
    var recordCount: Int {
        (try? database.read { db in
            try Int.fetchOne(db, sql: "SELECT (SELECT COUNT(*) FROM events) + (SELECT COUNT(*) FROM dead_letters)") ?? 0
        }) ?? 0
    }

    /// CPU seconds the process has used (user + system, from /proc/{pid}/stat).
    var cpuSeconds: Double { ProcessCPU.seconds(pid: pid) }

    /// SIGKILL, as the OOM killer or systemd after a stop timeout would; the database stays.
    func kill9() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
    var peakRSSMegabytes: Double { ProcessMemory.peakRSSMegabytes(pid: pid) ?? -1 }
    var currentRSSMegabytes: Double { ProcessMemory.currentRSSMegabytes(pid: pid) ?? -1 }
    private var sampled: Double = 0
    /// The largest RSS sampled while load was offered (start-up excluded).
    var maxSampledRSS: Double { sampled }
    func sampleRSS() { sampled = max(sampled, currentRSSMegabytes) }

    func stop() {
        ChildProcess.terminate(pid)
        try? FileManager.default.removeItem(at: directory)
    }
}
