import Foundation
import Hummingbird

/// Bearer-token authentication and role checks. 401 when there is no valid token, 403 when the token is
/// valid but its role may not use the route.
struct BearerAuth: Sendable {
    /// The tokens in force (a reload replaces them).
    let currentTokens: @Sendable () -> [APIToken]
    var tokens: [APIToken] { currentTokens() }

    init(tokens: [APIToken]) { currentTokens = { tokens } }
    init(current: @escaping @Sendable () -> [APIToken]) { currentTokens = current }

    func authenticate(_ request: Request, allowing roles: Set<APIToken.Role>) throws -> APIToken {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw APIError.unauthorized
        }
        let presented = String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard !presented.isEmpty, presented.count <= 512, let token = APIToken.authenticate(presented, among: tokens) else {
            throw APIError.unauthorized
        }
        guard token.role == .admin || roles.contains(token.role) else {
            throw APIError.forbidden(roles.map(\.rawValue).sorted().joined(separator: " or "))
        }
        return token
    }
}
