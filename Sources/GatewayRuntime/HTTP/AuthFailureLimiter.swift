import Foundation
import Hummingbird
import Synchronization

/// Failed authentication (401: a wrong token, an unknown device or a wrong push secret) limited per source
/// address: after `limit` failures within `window`, that source gets 429 with `Retry-After` until the window
/// ends — a guessing script on the LAN is slowed to a crawl, and the devices that know their secret are not.
final class AuthFailureLimiter: Sendable {
    let limit: Int
    let window: Duration
    private let failures = Mutex<[String: (start: ContinuousClock.Instant, count: Int)]>([:])

    init(limit: Int = 30, window: Duration = .seconds(60)) {
        self.limit = limit
        self.window = window
    }

    /// Seconds until `source` may try again, or nil when it may now.
    func retryAfter(_ source: String, now: ContinuousClock.Instant = .now) -> Int? {
        failures.withLock { table in
            guard let entry = table[source], now - entry.start < window else { return nil }
            guard entry.count >= limit else { return nil }
            let left = window - (now - entry.start)
            return max(1, Int(left.components.seconds))
        }
    }

    func failed(_ source: String, now: ContinuousClock.Instant = .now) {
        failures.withLock { table in
            if table.count > 10_000 {
                table = table.filter { now - $0.value.start < window }
                // Still full (addresses rotating faster than the window): start over rather than grow without bound.
                if table.count > 10_000 { table.removeAll(keepingCapacity: true) }
            }
            if let entry = table[source], now - entry.start < window {
                table[source] = (entry.start, entry.count + 1)
            } else {
                table[source] = (now, 1)
            }
        }
    }
}

/// Applies ``AuthFailureLimiter`` to every route: a source over its limit is answered 429 before the route runs;
/// every 401 the route answers counts against its source.
struct AuthFailureMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let limiter: AuthFailureLimiter
    let refused: @Sendable () -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let source = context.remoteAddress?.ipAddress ?? "unknown"
        if let wait = limiter.retryAfter(source) {
            refused()
            throw APIError(.tooManyRequests, code: "too_many_failed_attempts",
                           message: "too many failed authentications from this address; try again later", retryAfterSeconds: wait)
        }
        do {
            let response = try await next(request, context)
            if response.status == .unauthorized { limiter.failed(source) }
            return response
        } catch let error as any HTTPResponseError where error.status == .unauthorized {
            limiter.failed(source)
            throw error
        }
    }
}
