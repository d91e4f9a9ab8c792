/// Where the HTTP API listens: `--http 127.0.0.1:8080`.
public struct HTTPServerSettings: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// Request bodies larger than this are refused with 413.
    public var maxBodyBytes: Int = 64 * 1024
    /// A fleet file (`POST /api/v1/devices/import`, CSV or YAML) may be up to this large (100,000 rows are ~12 MB).
    public var maxImportBytes: Int = 32 * 1024 * 1024
    /// Event pushes (Hikvision multipart with snapshots) may be larger than API bodies, up to this.
    public var maxPushBytes: Int = 4 * 1024 * 1024
    /// One pushed image may be at most this large; a larger one is refused with the whole push (413).
    public var maxImageBytes: Int = 2 * 1024 * 1024
    /// HTTPS: a PEM certificate chain and its private key (`--http-tls-cert`, `--http-tls-key`).
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    /// Failed authentications (401) one source address may make in a minute before it is answered 429; 0 = no limit.
    public var authFailuresPerMinute = 30

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init(_ text: String) throws(SettingError) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port)
        else { throw SettingError("--http expects host:port, e.g. 127.0.0.1:8080, got \"\(text)\"") }
        let host = String(text[..<colon])
        guard !host.isEmpty else { throw SettingError("--http expects host:port, e.g. 127.0.0.1:8080") }
        self.init(host: host, port: port)
    }
}
