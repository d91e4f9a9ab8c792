import Crypto
import Foundation

/// A bearer token of the HTTP API, stored as its SHA-256 (never the token itself), with a role.
public struct APIToken: Sendable, Hashable {
    public enum Role: String, Sendable, Hashable, CaseIterable {
        /// Registers and commissions devices.
        case installer
        /// The alarm console: lists, acknowledges and resolves alerts.
        case `operator`
        /// The grid work-order system: posts work-order status.
        case workorder
        /// The message gateway (SMS / WeChat / voice): posts the replies of relatives and duty staff.
        case messaging
        /// A metrics scraper (Prometheus): reads `/metrics` only.
        case metrics
        /// Everything.
        case admin
    }

    /// Who holds it, for the audit log (e.g. `console-01`, `workorder-system`).
    public var id: String
    public var role: Role
    public var sha256: [UInt8]

    public init(id: String, role: Role, sha256: [UInt8]) {
        self.id = id
        self.role = role
        self.sha256 = sha256
    }

    /// The hex SHA-256 of a token, as written in `api_tokens[].sha256` (`gatewayd hash-token` prints it).
    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The token matching `presented`, compared in constant time against every configured token.
    public static func authenticate(_ presented: String, among tokens: [APIToken]) -> APIToken? {
        let digest = Array(SHA256.hash(data: Data(presented.utf8)))
        var match: APIToken?
        for token in tokens where constantTimeEqual(token.sha256, digest) { match = token }
        return match
    }

    /// Byte-wise equality whose time does not depend on where the bytes differ.
    static func constantTimeEqual(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        var difference: UInt8 = a.count == b.count ? 0 : 1
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
