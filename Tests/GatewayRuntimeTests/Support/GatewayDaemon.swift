import AsyncHTTPClient
import Foundation
import GRDB
import NIOCore
import NIOHTTP1
import LocalBroker
#if canImport(Glibc)
import Glibc
#endif

/// The real `gatewayd run` as a child process, on the sample devices.yaml (or another file), a test
/// broker, its own SQLite file and a free HTTP port: for tests that must survive what the daemon does not
/// (a trap, SIGKILL). Its log is kept in `directory/gatewayd.log` and printed when a test fails.
final class GatewayDaemon: @unchecked Sendable {
    let directory: URL
    let brokerURL: String
    let config: String
    let clientID: String
    let extraArguments: [String]
    let environment: [String: String]
    private(set) var httpPort = 0
    private(set) var pid: pid_t = 0

    var databasePath: String { directory.appendingPathComponent("gateway.sqlite").path }
    var logPath: String { directory.appendingPathComponent("gatewayd.log").path }
    var base: String { "http://127.0.0.1:\(httpPort)" }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// The `gatewayd` built beside the test bundle (`swift build --build-tests` builds it).
    static func executable() throws -> String {
        if let path = ProcessInfo.processInfo.environment["GATEWAYD_BIN"] { return path }
        let runner = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: runner).deletingLastPathComponent()
        // xctest bundles on Linux are plain executables in the products directory; be lenient about nesting.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("gatewayd").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw BrokerError("gatewayd executable not found beside \(runner); run `swift build --build-tests` first")
    }

    init(broker: String, directory: URL, config: String = GatewayDaemon.repositoryRoot.appendingPathComponent("devices.yaml").path,
         clientID: String = "gatewayd-test-\(UInt32.random(in: 0...UInt32.max))", extraArguments: [String] = [],
         environment: [String: String] = [:]) {
        self.brokerURL = broker
        self.directory = directory
        self.config = config
        self.clientID = clientID
        self.extraArguments = extraArguments
        self.environment = environment
    }

    /// Starts the daemon (again, on the same database and client id after a kill) and waits until it is ready;
    /// on the same HTTP port as before when `keepingPort` (a browser reconnects to the address it knows).
    func start(keepingPort: Bool = false) async throws {
        if !keepingPort || httpPort == 0 { httpPort = try FreePort.find() }
        pid = try ChildProcess.spawn(try Self.executable(), [
            "run", "--config", config, "--broker", brokerURL, "--db", databasePath, "--http", "127.0.0.1:\(httpPort)",
            "--client-id", clientID, "--log-level", "notice", "--auth-failures-per-minute", "0",
        ] + extraArguments, output: logPath, environment: environment)
        // Ready, or exited (then there is nothing to wait for).
        let ready = await eventuallyAsync(timeout: .seconds(60)) { [self] in
            guard ChildProcess.isRunning(pid) else { return true }
            return await Self.status("\(base)/readyz") == 200
        }
        guard ready, ChildProcess.isRunning(pid) else {
            throw BrokerError("gatewayd did not become ready; log:\n\(log.suffix(4000))")
        }
    }

    var isRunning: Bool { ChildProcess.isRunning(pid) }

    func kill9() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// SIGTERM and wait for the exit: its exit status (negative: the signal that ended it), or nil when it had
    /// to be killed after 10 s. The exit is awaited with a blocking `waitpid` on a thread of its own.
    @discardableResult
    func terminate() -> Int32? {
        guard pid > 0 else { return nil }
        kill(pid, SIGTERM)
        final class Exit: @unchecked Sendable { var status: Int32 = 0 }
        let exit = Exit()
        let reaped = DispatchSemaphore(value: 0)
        let child = pid
        Thread {
            waitpid(child, &exit.status, 0)
            reaped.signal()
        }.start()
        guard reaped.wait(timeout: .now() + 10) == .success else {
            kill(child, SIGKILL)
            reaped.wait()
            return nil
        }
        let status = exit.status
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : -(status & 0x7F)
    }

    /// One value from the daemon's database, read while it runs (WAL: readers do not block the writer).
    func count(_ sql: String) throws -> Int {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: databasePath, configuration: configuration)
        return try queue.read { db in try Int.fetchOne(db, sql: sql) ?? 0 }
    }

    /// The HTTP status of a GET, or nil when nothing answered.
    static func status(_ url: String) async -> Int? {
        guard let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(2)) else { return nil }
        _ = try? await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }
}
