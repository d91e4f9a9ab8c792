import Foundation
import Hummingbird
import Logging

/// `/api/v1/session`: the console signs in with an API token (roles operator, installer, admin) and gets a
/// session cookie (``ConsoleSessionCookie``); `GET` says who is signed in, `DELETE` signs out.
extension GatewayAPI {
    func addSessionRoutes(to router: Router<GatewayRequestContext>) {
        router.post("/api/v1/session") { request, _ in try await signIn(request) }
        router.get("/api/v1/session") { request, _ in
            let token = try auth.authenticate(request, allowing: ConsoleSessionCookie.roles)
            let expiresAt = try ConsoleSessionCookie.value(in: request).map { try auth.session($0).expiresAt }
            return JSONResponse.response(SessionView(token, expiresAt: expiresAt))
        }
        router.delete("/api/v1/session") { request, _ in
            _ = try auth.authenticate(request, allowing: ConsoleSessionCookie.roles)
            if let value = ConsoleSessionCookie.value(in: request), let sessions = auth.sessions {
                try await sessions.close(value)
                // Wakes the alert streams, so that this session's stream ends now rather than at its next heartbeat.
                host.alertChanges.advance()
            }
            var response = Response(status: .noContent)
            response.setCookie(ConsoleSessionCookie.cleared(secure: secureCookies))
            return response
        }
    }

    private func signIn(_ request: Request) async throws -> Response {
        guard let sessions = auth.sessions else { throw APIError(.notFound, code: "not_found", message: "the console is not served") }
        // Also asked of the sign-in, so that another site cannot sign a browser in to its own account.
        guard request.headers[ConsoleSessionCookie.csrfHeader] == "1" else {
            throw APIError(.forbidden, code: "console_header_required", message: "signing in needs the X-Gatewayd-Console: 1 header")
        }
        struct SignIn: Decodable { var token: String }
        let body: SignIn = try await decodeBody(request)
        guard !body.token.isEmpty, body.token.count <= 512, let token = APIToken.authenticate(body.token, among: auth.tokens) else {
            throw APIError(.unauthorized, code: "unauthorized", message: "this token is not valid")
        }
        guard ConsoleSessionCookie.roles.contains(token.role) else {
            throw APIError(.forbidden, code: "forbidden", message: "this token's role has no console (needs operator, installer or admin)")
        }
        let now = clock()
        let opened = try await sessions.open(tokenSHA256: token.sha256, now: now)
        logger.info("console signed in", metadata: ["token.id": "\(token.id)", "token.role": "\(token.role.rawValue)"])
        var response = JSONResponse.response(SessionView(token, expiresAt: opened.expiresAt))
        response.setCookie(ConsoleSessionCookie.set(opened.value, maxAgeSeconds: Int((opened.expiresAt - now) / 1000), secure: secureCookies))
        return response
    }
}

/// Who is signed in: the token's id and role, and when the session ends (absent for a bearer token).
struct SessionView: Encodable {
    var id: String
    var role: String
    var expiresAt: Int64?

    init(_ token: APIToken, expiresAt: Int64?) {
        id = token.id
        role = token.role.rawValue
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case id, role, expiresAt = "expires_at"
    }
}
