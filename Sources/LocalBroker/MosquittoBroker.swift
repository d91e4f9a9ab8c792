import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real `mosquitto` broker on a free 127.0.0.1 port, with its own config, persistence directory and log.
/// Persistence is on, so a stop/start keeps sessions and queued QoS 1 messages, as a production broker would.
public final class MosquittoBroker: @unchecked Sendable {
    public private(set) var port: Int
    private let persistence: Bool
    /// Lines added to the generated mosquitto.conf (e.g. a password file and ACL, then anonymous clients are refused).
    private let extraConfig: String
    private var everStarted = false
    public let directory: URL
    /// The broker's process while it runs (benchmarks read its CPU time from /proc).
    public private(set) var pid: pid_t?

    public var url: String { "mqtt://127.0.0.1:\(port)" }

    /// `persistence: false` for benchmarks (nothing written to disk).
    public init(persistence: Bool = true, extraConfig: String = "") throws {
        self.extraConfig = extraConfig
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatewayd-broker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try FreePort.find()
        self.persistence = persistence
        try writeConfig()
    }

    private func writeConfig() throws {
        // mosquitto started as root drops to the `mosquitto` user unless told otherwise, and then cannot
        // write its persistence file into our temporary directory.
        let user = getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? "root"
        let config = """
            user \(user)
            listener \(port) 127.0.0.1
            allow_anonymous \(extraConfig.contains("password_file") ? "false" : "true")
            persistence \(persistence)
            persistence_location \(directory.path)/
            autosave_interval 0
            max_queued_messages 0
            max_inflight_messages 0
            log_dest file \(directory.path)/mosquitto.log
            log_type error
            log_type warning
            log_type notice
            \(extraConfig)
            """
        try config.write(to: directory.appendingPathComponent("mosquitto.conf"), atomically: true, encoding: .utf8)
    }

    /// Starts the broker and waits until it accepts connections. On its first start, a port taken meanwhile
    /// by someone else is replaced by another free one (a restart keeps its port: clients reconnect to it).
    public func start() throws {
        var attempt = 0
        while true {
            do {
                try startOnce()
                everStarted = true
                return
            } catch let error as BrokerError where !everStarted && attempt < 5 && log.contains("Address already in use") {
                attempt += 1
                _ = error
                try? FileManager.default.removeItem(at: directory.appendingPathComponent("mosquitto.log"))
                port = try FreePort.find()
                try writeConfig()
            }
        }
    }

    /// One start, waiting until it accepts connections (5 s at most).
    private func startOnce() throws {
        let pid = try ChildProcess.spawn(
            try Self.executable().path, ["-c", directory.appendingPathComponent("mosquitto.conf").path]
        )
        self.pid = pid
        let deadline = Date().addingTimeInterval(5)
        while !FreePort.accepts(port) {
            guard Date() < deadline, ChildProcess.isRunning(pid) else {
                throw BrokerError("mosquitto did not start on port \(port): \(log)")
            }
            usleep(20_000)
        }
    }

    /// Stops the broker with SIGTERM (it saves its persistence file) and waits for it to exit.
    public func stop() {
        guard let pid else { return }
        ChildProcess.terminate(pid)
        self.pid = nil
    }

    public var log: String { (try? String(contentsOf: directory.appendingPathComponent("mosquitto.log"), encoding: .utf8)) ?? "" }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private static func executable() throws -> URL {
        let candidates = ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/bin/mosquitto"]
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw BrokerError("mosquitto is not installed: apt-get install mosquitto (see README)")
        }
        return URL(fileURLWithPath: path)
    }
}

public struct BrokerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Runs `body` with a started broker, stopping it afterwards whatever happens.
public func withBroker<T>(_ body: (MosquittoBroker) async throws -> T) async throws -> T {
    let broker = try MosquittoBroker()
    try broker.start()
    defer { broker.stop() }
    return try await body(broker)
}
