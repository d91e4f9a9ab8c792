import Foundation
import Hummingbird

/// Authentication and role checks: a bearer token (`Authorization: Bearer …`), or the console's session
/// cookie (``ConsoleSessionCookie``) when no `Authorization` header is sent. 401 when there is no valid token
/// or session, 403 when it is valid but its role may not use the route (or a cookie request looks forged).
struct BearerAuth: Sendable {
    /// The tokens in force (a reload replaces them).
    let currentTokens: @Sendable () -> [APIToken]
    var tokens: [APIToken] { currentTokens() }
    /// Console sessions; without them, only bearer tokens are accepted.
    var sessions: ConsoleSessionStore?
    var clock: @Sendable () -> Int64 = Gateway.wallClockMillis

    init(tokens: [APIToken]) { currentTokens = { tokens } }
    init(current: @escaping @Sendable () -> [APIToken], sessions: ConsoleSessionStore? = nil,
         clock: @escaping @Sendable () -> Int64 = Gateway.wallClockMillis) {
        currentTokens = current
        self.sessions = sessions
        self.clock = clock
    }

    func authenticate(_ request: Request, allowing roles: Set<APIToken.Role>) throws -> APIToken {
        let token: APIToken
        if let header = request.headers[.authorization] {
            guard header.lowercased().hasPrefix("bearer ") else { throw APIError.unauthorized }
            let presented = String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
            guard !presented.isEmpty, presented.count <= 512, let found = APIToken.authenticate(presented, among: tokens) else {
                throw APIError.unauthorized
            }
            token = found
        } else if let value = ConsoleSessionCookie.value(in: request) {
            token = try session(value).token
            try ConsoleSessionCookie.checkNotForged(request)
        } else {
            throw APIError.unauthorized
        }
        guard token.role == .admin || roles.contains(token.role) else {
            throw APIError.forbidden(roles.map(\.rawValue).sorted().joined(separator: " or "))
        }
        return token
    }

    /// The token a session cookie stands for and when the session ends: 401 when the session is unknown or
    /// expired, or its token is no longer configured (or no longer a console role).
    func session(_ value: String) throws -> (token: APIToken, expiresAt: Int64) {
        guard let sessions, let found = try sessions.find(value, now: clock()),
              let token = tokens.first(where: { APIToken.constantTimeEqual($0.sha256, found.tokenSHA256) }),
              ConsoleSessionCookie.roles.contains(token.role) else {
            throw APIError.unauthorized
        }
        return (token, found.expiresAt)
    }
}
