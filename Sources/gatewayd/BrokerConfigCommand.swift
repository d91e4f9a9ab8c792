import ArgumentParser
import DeviceModel
import Foundation
import GatewayRuntime

/// `gatewayd broker-config devices.yaml --out DIR`: the broker's accounts and ACL for this deployment.
struct BrokerConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker-config",
        abstract: "Write a mosquitto password file and ACL from devices.yaml: one account per device (its own topics only), "
            + "the console (alerts/# and alert-commands/#) and the gateway.",
        discussion: """
            Writes DIR/acl, DIR/passwd (hashed with mosquitto_passwd), DIR/credentials (username and password per line, \
            0600: give each device its own, the console its own, and the gateway GATEWAYD_MQTT_USERNAME/PASSWORD) and \
            DIR/mosquitto-auth.conf (include it in mosquitto.conf). Existing passwords in DIR/credentials are kept; \
            new accounts get random ones. Re-run after adding devices, then reload mosquitto (SIGHUP).
            """
    )

    @Argument(help: "The registry file, e.g. devices.yaml.")
    var file: String

    @Option(help: "Directory to write into (created 0750 if missing).")
    var out: String

    @Option(name: .customLong("console-user"), help: "The console's broker account.")
    var consoleUser = "console"

    func run() throws {
        let configuration: GatewayConfiguration
        do {
            configuration = try RegistryLoader.loadConfiguration(path: file)
        } catch {
            for issue in error.issues { printError(issue.description) }
            throw ExitCode(1)
        }
        let accounts = BrokerAccounts(registry: configuration.registry, consoleUser: consoleUser)
        let manager = FileManager.default
        let directory = URL(fileURLWithPath: out, isDirectory: true)
        try manager.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        let credentialsURL = directory.appendingPathComponent("credentials")
        var passwords: [String: String] = [:]
        if let existing = try? String(contentsOf: credentialsURL, encoding: .utf8) {
            for line in existing.split(separator: "\n") where !line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 1)
                if parts.count == 2 { passwords[String(parts[0])] = String(parts[1]) }
            }
        }
        var credentials = ["# username password — secret: one per device, the console and the gateway"]
        var plain: [String] = []
        for account in accounts.all {
            let password = passwords[account.username] ?? BrokerAccounts.newPassword()
            credentials.append("\(account.username) \(password)")
            plain.append("\(account.username):\(password)")
        }
        try write(credentials.joined(separator: "\n") + "\n", to: credentialsURL, mode: 0o600)
        let passwdURL = directory.appendingPathComponent("passwd")
        try write(plain.joined(separator: "\n") + "\n", to: passwdURL, mode: 0o640)
        try hashPasswords(passwdURL)
        try write(accounts.aclText, to: directory.appendingPathComponent("acl"), mode: 0o640)
        let conf = """
            # Include from mosquitto.conf (`include_dir` or copy): no anonymous clients, one account each.
            allow_anonymous false
            password_file \(passwdURL.path)
            acl_file \(directory.appendingPathComponent("acl").path)

            """
        try write(conf, to: directory.appendingPathComponent("mosquitto-auth.conf"), mode: 0o640)
        print("\(out): \(accounts.devices.count) device accounts, console `\(accounts.console.username)`, "
              + "gateway `\(accounts.gateway.username)`; passwords in \(credentialsURL.path) (0600)")
    }

    private func write(_ text: String, to url: URL, mode: Int) throws {
        try Data(text.utf8).write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
    }

    /// mosquitto's own tool turns the plain `user:password` file into salted PBKDF2-SHA512 hashes in place.
    private func hashPasswords(_ url: URL) throws {
        let candidates = ["/usr/bin/mosquitto_passwd", "/usr/local/bin/mosquitto_passwd"]
        guard let tool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            try? FileManager.default.removeItem(at: url)
            printError("gatewayd: error: mosquitto_passwd not found (apt-get install mosquitto)")
            throw ExitCode(1)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-U", url.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            try? FileManager.default.removeItem(at: url)
            printError("gatewayd: error: mosquitto_passwd -U failed (\(process.terminationStatus))")
            throw ExitCode(1)
        }
    }
}
