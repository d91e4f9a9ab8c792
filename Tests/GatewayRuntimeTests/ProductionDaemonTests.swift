import Foundation
import LocalBroker
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The daemon as a production service runs it: its files are the operator's alone.
@Suite(.serialized) struct ProductionDaemonTests {
    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o777 : nil
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
        }
    }
}
