import ArgumentParser
import DeviceModel
import Foundation
import GRDB
import GatewayRuntime
import LocalBroker

/// `gatewayd-bench yardstick`: the figures a user holds up, measured on the user's path in one run. The real
/// `gatewayd run` on a devices.yaml with `--devices` wristbands (beside the sample's site configuration and
/// every one of its rules), the plain Python gateway of `bench/python-gateway/gateway.py` (paho + sqlite3), and
/// broker pass-through, all under the same QoS 1 load from the same generator: sustained throughput (as fast as
/// the load goes, every message stored), then CPU a message at fixed rates (from /proc).
struct YardstickBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yardstick",
        abstract: "gatewayd against broker pass-through and a plain Python gateway: throughput and CPU a message (QoS 1)."
    )

    @Option(help: "Site configuration the fleet is added to.") var config = "devices.yaml"
    @Option(help: "Wristbands (and residents) in the generated devices.yaml.") var devices = 10_000
    @Option(help: "Messages in each throughput run.") var messages = 150_000
    @Option(help: "Fixed rates (msg/s) at which CPU a message is measured.") var rates = "1000,15000"
    @Option(help: "Seconds of each fixed-rate run.") var seconds = 15
    @Option(help: "The gatewayd executable (default: beside this benchmark).") var gatewayd: String?
    @Option(help: "The Python gateway (default: bench/python-gateway/gateway.py).") var python = "bench/python-gateway/gateway.py"
    @Flag(help: "Skip the Python gateway (no python3-paho-mqtt here).") var skipPython = false
    @Flag(help: "Load, counting subscriber and broker on CPU 0, each subject on CPU 1: is the subject the bottleneck when it has a core of its own?")
    var pin = false

    func run() async throws {
        let executable = try GatewaydExecutable.resolve(gatewayd)
        // Before the broker is started: it inherits this process's CPU.
        if pin { try CPUPinning.pinThisProcess(toCPU: 0) }
        let fixedRates = rates.split(separator: ",").compactMap { Int($0) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatewayd-yardstick-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fleet = directory.appendingPathComponent("devices.yaml").path
        try ScaleBenchmark.fleet(base: try String(contentsOfFile: config, encoding: .utf8), count: devices)
            .write(toFile: fleet, atomically: true, encoding: .utf8)
        let wristbands = try RegistryLoader.loadConfiguration(path: fleet).registry.sortedDevices.filter { $0.id.hasPrefix("wb-") }

        let broker = try MosquittoBroker(persistence: false)
        try broker.start()
        defer { broker.stop() }
        let load = try LoadGenerator(broker: broker.url, connections: 4)
        try await load.connect()
        defer { Task { await load.disconnect() } }
        var generator = MessageGenerator(devices: wristbands, abnormalShare: 0.01)
        var times = DeviceTimestamps()
        var index = 0

        // Broker pass-through: a subscriber that only counts.
        let counter = try CountingSubscriber(broker: broker.url, filter: "devices/#", recordAlerts: false)
        try await counter.connect()
        let brokerPID = broker.pid ?? 0
        let meter = BurstCPU(pids: [brokerPID, getpid()])
        let passthrough = try await Self.throughput(messages, load: load, generator: &generator, times: &times, index: &index) { counter.count }
        let passthroughCPU = meter.perMessage(messages)
        await counter.disconnect()
        FileHandle.standardError.write(Data(String(format: "broker pass-through: %.0f msg/s\n", passthrough).utf8))

        var subjects: [(String, [String])] = [
            ("gatewayd", [executable, "run", "--config", fleet, "--broker", broker.url, "--db", "DB", "--log-level", "warning",
                          "--client-id", "gatewayd-yardstick-\(getpid())"]),
        ]
        if !skipPython {
            subjects.append(("python", ["/usr/bin/python3", python, "--broker", "127.0.0.1:\(broker.port)", "--db", "DB",
                                        "--client-id", "python-yardstick-\(getpid())"]))
        }
        var results: [String: SubjectResult] = [:]
        for (name, command) in subjects {
            let database = directory.appendingPathComponent("\(name).sqlite").path
            var arguments = command.dropFirst().map { $0 == "DB" ? database : $0 }
            var program = command[0]
            if pin {
                arguments = ["-c", "1", program] + arguments
                program = "/usr/bin/taskset"
            }
            // GATEWAYD_BENCH_CHILD_PREFIX="/usr/bin/perf record -e cpu-clock -g -o /tmp/perf.data" profiles gatewayd.
            if name == "gatewayd", let prefix = ProcessInfo.processInfo.environment["GATEWAYD_BENCH_CHILD_PREFIX"]?
                .split(separator: " ").map(String.init), let first = prefix.first {
                arguments = Array(prefix.dropFirst()) + [program] + arguments
                program = first
            }
            let pid = try ChildProcess.spawn(program, arguments, output: directory.appendingPathComponent("\(name).log").path)
            defer { ChildProcess.terminate(pid) }
            let stored = StoredCount(path: database)
            try await Self.waitUntilStoring(pid: pid, name: name, stored: stored, load: load, generator: &generator, times: &times,
                                            index: &index)
            var result = SubjectResult()
            // Fixed rates first: the work a burst leaves behind (relatives' messages of its alerts) is not theirs.
            for rate in fixedRates {
                result.atRate[rate] = try await Self.cpu(rate: rate, seconds: seconds, pid: pid, stored: stored, load: load,
                                                         generator: &generator, times: &times, index: &index)
            }
            let burstMeter = BurstCPU(pids: [brokerPID, getpid(), pid])
            result.throughput = try await Self.throughput(messages, load: load, generator: &generator, times: &times, index: &index) {
                stored.count
            }
            result.burstCPU = burstMeter.perMessage(messages)
            FileHandle.standardError.write(Data(String(format: "%@: %.0f msg/s\n", name, result.throughput).utf8))
            results[name] = result
        }

        print("")
        print("QoS 1, \(devices) wristbands (devices.yaml with every rule of \(config)), 1 % abnormal readings"
              + (pin ? "; load, counting subscriber and broker on CPU 0, each subject on CPU 1" : ""))
        print(pad("broker pass-through", 28) + String(format: "%.0f msg/s", passthrough)
              + String(format: " — CPU a message: broker %.1f µs, load and counting subscriber %.1f µs", passthroughCPU[0], passthroughCPU[1]))
        for (name, _) in subjects {
            guard let result = results[name] else { continue }
            print(pad(name, 28) + String(format: "%.0f msg/s (%.2f of pass-through)", result.throughput, result.throughput / passthrough)
                  + String(format: " — CPU a message: broker %.1f µs, load %.1f µs, %@ %.1f µs", result.burstCPU[0], result.burstCPU[1], name,
                           result.burstCPU[2]))
            for rate in fixedRates {
                guard let cpu = result.atRate[rate] else { continue }
                print(pad("  at \(rate) msg/s", 28) + String(format: "%.3f core, %.1f µs a message%@", cpu.cores, cpu.microsecondsPerMessage,
                                                           cpu.keptUp ? "" : String(format: " — fell behind (%d of %d stored, the last %.1f s after the load)",
                                                                                    cpu.stored, cpu.offered, cpu.caughtUpSeconds)))
            }
        }
        var json: [String: Any] = ["bench": "yardstick", "devices": devices, "pinned": pin, "passthrough_msgs_per_s": passthrough.rounded(),
                                   "passthrough_broker_us_per_msg": (passthroughCPU[0] * 10).rounded() / 10,
                                   "passthrough_load_us_per_msg": (passthroughCPU[1] * 10).rounded() / 10]
        for (name, result) in results {
            json["\(name)_msgs_per_s"] = result.throughput.rounded()
            json["\(name)_burst_us_per_msg"] = (result.burstCPU[2] * 10).rounded() / 10
            json["\(name)_burst_broker_us_per_msg"] = (result.burstCPU[0] * 10).rounded() / 10
            json["\(name)_ratio"] = (result.throughput / passthrough * 1000).rounded() / 1000
            for (rate, cpu) in result.atRate {
                json["\(name)_us_per_msg_at_\(rate)"] = (cpu.microsecondsPerMessage * 10).rounded() / 10
                json["\(name)_cores_at_\(rate)"] = (cpu.cores * 1000).rounded() / 1000
                json["\(name)_kept_up_at_\(rate)"] = cpu.keptUp
            }
        }
        print(String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self))
    }

    struct SubjectResult {
        var throughput = 0.0
        /// CPU a message during the burst: the broker, this process (the load), the subject.
        var burstCPU = [0.0, 0.0, 0.0]
        var atRate: [Int: CPUFigure] = [:]
    }

    struct CPUFigure {
        var cores: Double
        var microsecondsPerMessage: Double
        var keptUp: Bool
        /// Stored of offered, and how long after the last publish the last one was stored.
        var stored: Int
        var offered: Int
        var caughtUpSeconds: Double
    }

    /// Rows in a subject's `events` table (both schemas have an integer `id` that only grows).
    final class StoredCount: @unchecked Sendable {
        let path: String
        private var queue: DatabaseQueue?

        init(path: String) { self.path = path }

        var count: Int {
            if queue == nil, FileManager.default.fileExists(atPath: path) {
                var configuration = Configuration()
                configuration.readonly = true
                queue = try? DatabaseQueue(path: path, configuration: configuration)
            }
            return (try? queue?.read { db in try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM events") } ?? 0) ?? 0
        }
    }

    /// Publishes a message every 100 ms until the subject stores one: started, subscribed and writing.
    static func waitUntilStoring(pid: pid_t, name: String, stored: StoredCount, load: LoadGenerator, generator: inout MessageGenerator,
                                 times: inout DeviceTimestamps, index: inout Int) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while stored.count == 0 {
            guard ChildProcess.isRunning(pid) else { throw ValidationError("\(name) exited during start-up") }
            guard ContinuousClock.now < deadline else { throw ValidationError("\(name) stored nothing within 120 s") }
            try await load.publishNext(index, generator: &generator, times: &times)
            index += 1
            try await Task.sleep(for: .milliseconds(100))
        }
        // Let the warm-up messages and start-up work settle.
        let settled = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < settled { try await Task.sleep(for: .milliseconds(100)) }
    }

    /// `count` messages as fast as the load goes; messages a second from the first publish to the last stored.
    static func throughput(_ count: Int, load: LoadGenerator, generator: inout MessageGenerator, times: inout DeviceTimestamps,
                           index: inout Int, received: () -> Int) async throws -> Double {
        let before = received()
        let started = ContinuousClock.now
        for _ in 0..<count {
            try await load.publishNext(index, generator: &generator, times: &times)
            index += 1
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while received() - before < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        return Double(received() - before) / (ContinuousClock.now - started).seconds
    }

    /// `rate` msg/s for `seconds`; the subject's CPU over the run (until every message is stored, 30 s at most).
    static func cpu(rate: Int, seconds: Int, pid: pid_t, stored: StoredCount, load: LoadGenerator, generator: inout MessageGenerator,
                    times: inout DeviceTimestamps, index: inout Int) async throws -> CPUFigure {
        let before = stored.count
        let cpuBefore = ProcessCPU.seconds(pid: pid)
        let started = ContinuousClock.now
        let total = rate * seconds
        for offset in 0..<total {
            try await load.publishNext(index, generator: &generator, times: &times)
            index += 1
            let due = started.advanced(by: .seconds(Double(offset + 1) / Double(rate)))
            if due > ContinuousClock.now { try await Task.sleep(until: due, clock: .continuous) }
        }
        let offeredEnd = ContinuousClock.now
        let deadline = offeredEnd + .seconds(30)
        while stored.count - before < total, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        let caughtUp = ContinuousClock.now - offeredEnd
        let cpu = ProcessCPU.seconds(pid: pid) - cpuBefore
        let count = stored.count - before
        return CPUFigure(cores: cpu / (ContinuousClock.now - started).seconds, microsecondsPerMessage: cpu / Double(max(1, count)) * 1e6,
                         keptUp: count >= total && caughtUp < .seconds(2), stored: count, offered: total, caughtUpSeconds: caughtUp.seconds)
    }

    private func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
}

/// Pins this process's threads (and so the children it starts, and threads created later) to one CPU, with
/// util-linux's `taskset -a` (Swift's Glibc does not expose `sched_setaffinity`).
enum CPUPinning {
    static func pinThisProcess(toCPU cpu: Int) throws {
        guard sysconf(Int32(_SC_NPROCESSORS_ONLN)) > cpu + 1 else { throw ValidationError("--pin needs two CPUs") }
        let pid = try ChildProcess.spawn("/usr/bin/taskset", ["-a", "-p", "-c", "\(cpu)", "\(getpid())"], output: "/dev/null")
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        guard status == 0 else { throw ValidationError("taskset -a -p -c \(cpu) \(getpid()) failed (status \(status))") }
    }
}

/// Where the CPU of a burst went: each process's CPU time (from /proc) since the meter was made, a message.
/// On a machine that the broker, the load and the subscriber share, a sustained rate is these added up.
struct BurstCPU {
    let pids: [pid_t]
    private let before: [Double]

    init(pids: [pid_t]) {
        self.pids = pids
        before = pids.map { ProcessCPU.seconds(pid: $0) }
    }

    /// Microseconds of CPU a message for each process, over `messages`.
    func perMessage(_ messages: Int) -> [Double] {
        zip(pids, before).map { pid, start in (ProcessCPU.seconds(pid: pid) - start) / Double(max(1, messages)) * 1e6 }
    }
}

/// CPU time of a process (user + system) from /proc/{pid}/stat.
enum ProcessCPU {
    static func seconds(pid: pid_t) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return -1 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state is field 3; utime and stime are fields 14 and 15 (1-based).
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return -1 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
