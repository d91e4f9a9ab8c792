import AlertRules
import ArgumentParser
import DeviceModel
import Foundation
import GatewayRuntime
import Logging

@main
struct Gatewayd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatewayd",
        abstract: "Smart-community device gateway: MQTT devices in, events in SQLite, alerts out.",
        subcommands: [Run.self, Check.self, HashToken.self, BrokerConfig.self, DevicesCommand.self, AlertsCommand.self, Simulate.self, Report.self],
        defaultSubcommand: Run.self
    )
}

/// `gatewayd check FILE`: validates a registry file and prints every error as `file:line:column: error: …`.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a devices.yaml file; print every error with file:line:column. Exit 1 on error."
    )

    @Argument(help: "The registry file to check, e.g. devices.yaml.")
    var file: String

    func run() throws {
        do {
            let configuration = try RegistryLoader.loadConfiguration(path: file)
            let registry = configuration.registry
            let families = Dictionary(grouping: registry.devices.values, by: \.type.family).mapValues(\.count)
            print("\(file): ok — \(registry.communities.count) communities, \(registry.residents.count) residents, "
                + "\(registry.devices.count) devices "
                + "(access control \(families[.accessControl] ?? 0), elderly care \(families[.elderlyCare] ?? 0), "
                + "public safety \(families[.publicSafety] ?? 0)), \(configuration.ruleBook.rules.count) rules, "
                + "\(configuration.ruleBook.overrides.count) overrides, \(configuration.silences.count) silences, "
                + "\(registry.products.products.count) vendor products (\(registry.devices.values.count { $0.binding != nil }) bound devices, "
                + "\(registry.devices.values.count { $0.pushSecretSHA256 != nil }) HTTP push devices)")
        } catch {
            for issue in error.issues { printError(issue.description) }
            printError("\(file): \(error.issues.count) error(s)")
            throw ExitCode(1)
        }
    }
}

/// `gatewayd run`: the daemon.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway: subscribe to devices/#, validate and store every message, until SIGTERM/SIGINT.",
        discussion: """
            Every option can also be set by an environment variable (the flag wins): GATEWAYD_CONFIG, \
            GATEWAYD_BROKER, GATEWAYD_DB, GATEWAYD_MQTT_USERNAME, GATEWAYD_MQTT_PASSWORD (environment only), \
            GATEWAYD_MQTT_CA_FILE, GATEWAYD_CLIENT_ID, GATEWAYD_WORKORDER_URL, GATEWAYD_MESSAGE_URL, GATEWAYD_HTTP, \
            GATEWAYD_LOG_LEVEL. Outbound bearer tokens: GATEWAYD_WORKORDER_TOKEN, GATEWAYD_MESSAGE_TOKEN (environment only).
            """
    )

    @Option(help: "Registry file. [env: GATEWAYD_CONFIG, default: devices.yaml]")
    var config: String?

    @Option(help: "Broker URL, mqtt://host:port or mqtts://host:port. [env: GATEWAYD_BROKER, default: mqtt://127.0.0.1:1883]")
    var broker: String?

    @Option(help: "SQLite database file (created and migrated if missing). [env: GATEWAYD_DB, default: gateway.sqlite]")
    var db: String?

    @Option(name: .customLong("mqtt-username"), help: "Broker username. [env: GATEWAYD_MQTT_USERNAME]")
    var mqttUsername: String?

    @Option(name: .customLong("mqtt-ca-file"), help: "CA certificate file for mqtts://. [env: GATEWAYD_MQTT_CA_FILE]")
    var mqttCAFile: String?

    @Option(name: .customLong("client-id"), help: "Stable MQTT client id. [env: GATEWAYD_CLIENT_ID, default: gatewayd-<gateway id>]")
    var clientID: String?

    @Option(name: .customLong("workorder-url"), help: "Grid work-order system endpoint; work orders are POSTed here. [env: GATEWAYD_WORKORDER_URL]")
    var workOrderURL: String?

    @Option(name: .customLong("message-url"), help: "SMS/WeChat message gateway endpoint for relatives. [env: GATEWAYD_MESSAGE_URL]")
    var messageURL: String?

    @Option(help: "HTTP API address host:port (API, health, work-order status callback, device event pushes). [env: GATEWAYD_HTTP]")
    var http: String?

    @Option(name: .customLong("snapshot-dir"), help: "Where snapshots pushed with events (face terminals, cameras) are kept. [env: GATEWAYD_SNAPSHOT_DIR, default: <db>.snapshots]")
    var snapshotDir: String?

    @Option(name: .customLong("snapshot-retention"), help: "How long snapshots are kept before deletion, e.g. 7d, 72h. [env: GATEWAYD_SNAPSHOT_RETENTION, default: 30d]")
    var snapshotRetention: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error. [env: GATEWAYD_LOG_LEVEL, default: info]")
    var logLevel: String?

    @Option(name: .customLong("http-tls-cert"), help: "PEM certificate chain: the HTTP API is served over HTTPS. [env: GATEWAYD_HTTP_TLS_CERT]")
    var httpTLSCert: String?

    @Option(name: .customLong("http-tls-key"), help: "PEM private key of --http-tls-cert. [env: GATEWAYD_HTTP_TLS_KEY]")
    var httpTLSKey: String?

    @Option(name: .customLong("mqtt-cert-file"), help: "Client certificate (PEM) for mqtts:// brokers that require one. [env: GATEWAYD_MQTT_CERT_FILE]")
    var mqttCertFile: String?

    @Option(name: .customLong("mqtt-key-file"), help: "Private key (PEM) of --mqtt-cert-file. [env: GATEWAYD_MQTT_KEY_FILE]")
    var mqttKeyFile: String?

    @Option(name: .customLong("auth-failures-per-minute"),
            help: "Failed authentications one address may make per minute before it is answered 429 (0: no limit). [default: 30]")
    var authFailuresPerMinute: Int?

    @Flag(name: .customLong("allow-insecure-permissions"),
          help: "Start even if the database is readable by other local users (it holds residents' data).")
    var allowInsecurePermissions = false

    @Flag(name: .customLong("allow-insecure-delivery"),
          help: "Accept http:// work-order and message URLs to hosts other than this machine (tokens and phone numbers in clear).")
    var allowInsecureDelivery = false

    func run() async throws {
        MemoryRelease.reexecWithSingleArena()
        let environment = ProcessInfo.processInfo.environment
        let level = Logger.Level(rawValue: logLevel ?? environment["GATEWAYD_LOG_LEVEL"] ?? "info") ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "gatewayd")
        FilePermissions.restrictUmask()
        // A SIGHUP before the reload handler is in place (start-up) must not end the daemon.
        signal(SIGHUP, SIG_IGN)
        let configPath = config ?? environment["GATEWAYD_CONFIG"] ?? "devices.yaml"
        var configuration: GatewayConfiguration?
        do {
            configuration = try RegistryLoader.loadConfiguration(path: configPath)
        } catch {
            for issue in error.issues { printError(issue.description) }
            throw ExitCode(1)
        }
        do {
            var settings = GatewaySettings(
                broker: try BrokerAddress(url: broker ?? environment["GATEWAYD_BROKER"] ?? "mqtt://127.0.0.1:1883"),
                databasePath: db ?? environment["GATEWAYD_DB"] ?? "gateway.sqlite"
            )
            settings.configPath = configPath
            if let warning = try FilePermissions.checkDatabase(settings.databasePath, allowInsecure: allowInsecurePermissions) {
                logger.warning("\(warning)")
            }
            settings.username = mqttUsername ?? environment["GATEWAYD_MQTT_USERNAME"]
            settings.password = environment["GATEWAYD_MQTT_PASSWORD"]
            settings.caFile = mqttCAFile ?? environment["GATEWAYD_MQTT_CA_FILE"]
            settings.clientID = clientID ?? environment["GATEWAYD_CLIENT_ID"]
            if let url = workOrderURL ?? environment["GATEWAYD_WORKORDER_URL"] {
                settings.workOrderTarget = DeliveryTarget(kind: .workOrder, url: try checkedURL(url, allowInsecure: allowInsecureDelivery), bearerToken: environment["GATEWAYD_WORKORDER_TOKEN"])
            }
            if let url = messageURL ?? environment["GATEWAYD_MESSAGE_URL"] {
                settings.messageTarget = DeliveryTarget(kind: .message, url: try checkedURL(url, allowInsecure: allowInsecureDelivery), bearerToken: environment["GATEWAYD_MESSAGE_TOKEN"])
            }
            if let address = http ?? environment["GATEWAYD_HTTP"] {
                var server = try HTTPServerSettings(address)
                server.tlsCertificateFile = httpTLSCert ?? environment["GATEWAYD_HTTP_TLS_CERT"]
                server.tlsKeyFile = httpTLSKey ?? environment["GATEWAYD_HTTP_TLS_KEY"]
                if let limit = authFailuresPerMinute { server.authFailuresPerMinute = max(0, limit) }
                guard (server.tlsCertificateFile == nil) == (server.tlsKeyFile == nil) else {
                    throw SettingError("--http-tls-cert and --http-tls-key go together")
                }
                settings.http = server
            }
            settings.certFile = mqttCertFile ?? environment["GATEWAYD_MQTT_CERT_FILE"]
            settings.keyFile = mqttKeyFile ?? environment["GATEWAYD_MQTT_KEY_FILE"]
            guard (settings.certFile == nil) == (settings.keyFile == nil) else {
                throw SettingError("--mqtt-cert-file and --mqtt-key-file go together")
            }
            settings.snapshotDirectory = snapshotDir ?? environment["GATEWAYD_SNAPSHOT_DIR"]
            if let text = snapshotRetention ?? environment["GATEWAYD_SNAPSHOT_RETENTION"] {
                guard let seconds = DurationText.seconds(text), seconds >= 3600 else {
                    throw SettingError("--snapshot-retention expects a duration of at least 1h, e.g. 30d, got \"\(text)\"")
                }
                settings.snapshotRetentionSeconds = seconds
            }
            // Handed over, not kept here for as long as the gateway runs: a reload lets the first configuration go.
            let gateway = try Gateway(settings: settings, configuration: configuration.take()!, logger: logger)
            try await gateway.run()
        } catch let error as SettingError {
            printError("gatewayd: error: \(error)")
            throw ExitCode(2)
        }
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// A delivery URL: `https://`, or `http://` to this machine (a local relay); other `http://` only when allowed.
func checkedURL(_ text: String, allowInsecure: Bool) throws(SettingError) -> String {
    guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
          let host = url.host else {
        throw SettingError("\(text) is not an http(s) URL")
    }
    let loopback = ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased())
    if scheme == "http", !loopback, !allowInsecure {
        throw SettingError("\(text): delivery targets must be https:// (work orders and messages carry tokens, addresses and "
                           + "phone numbers); --allow-insecure-delivery accepts http://")
    }
    return text
}

/// `gatewayd hash-token`: prints the SHA-256 to put in `api_tokens[].sha256` for a token read from stdin.
struct HashToken: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash-token",
        abstract: "Read an API token on standard input and print its SHA-256 for devices.yaml (api_tokens[].sha256)."
    )

    func run() throws {
        guard let token = readLine(strippingNewline: true), !token.isEmpty else {
            printError("hash-token: no token on standard input")
            throw ExitCode(1)
        }
        print(APIToken.hash(token))
    }
}
