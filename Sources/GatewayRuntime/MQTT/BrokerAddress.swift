import Foundation

/// Where the broker is: `mqtt://host:port` (default port 1883) or `mqtts://host:port` (default 8883).
/// Credentials do not belong in the URL (it ends up in process listings): use the username/password options.
public struct BrokerAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int32
    public var usesTLS: Bool

    public init(host: String, port: Int32, usesTLS: Bool) {
        self.host = host
        self.port = port
        self.usesTLS = usesTLS
    }

    public init(url text: String) throws(SettingError) {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
              let host = url.host, !host.isEmpty
        else { throw SettingError("broker URL \"\(text)\" is not of the form mqtt://host:port") }
        switch scheme {
        case "mqtt", "tcp": usesTLS = false
        case "mqtts", "ssl": usesTLS = true
        default: throw SettingError("broker URL scheme \"\(scheme)\" is not mqtt or mqtts")
        }
        guard url.user == nil, url.password == nil else {
            throw SettingError("put broker credentials in --mqtt-username / GATEWAYD_MQTT_PASSWORD, not in the URL")
        }
        let port = url.port ?? (usesTLS ? 8883 : 1883)
        guard (1...65_535).contains(port) else { throw SettingError("broker port \(port) is out of range") }
        self.host = host
        self.port = Int32(port)
    }

    public var description: String { "\(usesTLS ? "mqtts" : "mqtt")://\(host):\(port)" }
}
