import Foundation
import HTTPTypes
import Hummingbird

/// The console's session cookie and the rules for requests that carry it.
///
/// The cookie is `HttpOnly` (page scripts cannot read it), `SameSite=Strict` (no other site's page sends it),
/// `Path=/`, `Secure` when the API is served over TLS, and expires with the session. A request that changes
/// something (anything but GET and HEAD) and is authenticated by the cookie must also carry the header
/// `X-Gatewayd-Console: 1` — which a cross-site form cannot send and a cross-site script may not send without
/// a CORS preflight this server never grants — and, when the browser says where it comes from (`Origin`), come
/// from this host.
enum ConsoleSessionCookie {
    static let name = "gatewayd_session"
    static let csrfHeader = HTTPField.Name("X-Gatewayd-Console")!
    /// The roles that may sign in to the console (the others are machines: work orders, messaging, metrics).
    static let roles: Set<APIToken.Role> = [.operator, .installer, .admin]

    static func set(_ value: String, maxAgeSeconds: Int, secure: Bool) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAgeSeconds, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }

    /// The cookie that makes the browser forget the session.
    static func cleared(secure: Bool) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }

    /// The session cookie's value, if the request carries one.
    static func value(in request: Request) -> String? {
        guard let value = request.cookies[name]?.value, !value.isEmpty else { return nil }
        return value
    }

    /// Refuses (403) a state-changing request made with the cookie but without the console's header, or from
    /// another origin.
    static func checkNotForged(_ request: Request) throws {
        guard request.method != .get, request.method != .head else { return }
        guard request.headers[csrfHeader] == "1" else {
            throw APIError(.forbidden, code: "console_header_required",
                           message: "a change made with the console's session needs the X-Gatewayd-Console: 1 header")
        }
        if let origin = request.headers[.origin] {
            // `Origin: http://host:port` must name the host the request was sent to (the `Host` header).
            let named = origin.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init)
            guard let named, named == request.head.authority else {
                throw APIError(.forbidden, code: "cross_origin", message: "a change made with the console's session must come from the console")
            }
        }
    }
}
