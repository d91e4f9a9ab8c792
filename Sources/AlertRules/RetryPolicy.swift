/// When to try a failed delivery again: exponential backoff with jitter, capped; `Retry-After` honoured.
public struct RetryPolicy: Sendable, Hashable, Codable {
    public var baseSeconds: Double
    public var maxSeconds: Double
    /// ± share of the delay drawn at random, so that many deliveries failing together do not retry together.
    public var jitter: Double

    public init(baseSeconds: Double = 1, maxSeconds: Double = 300, jitter: Double = 0.2) {
        self.baseSeconds = baseSeconds
        self.maxSeconds = maxSeconds
        self.jitter = jitter
    }

    /// Milliseconds to wait after failed attempt number `attempt` (1-based). `random` is in 0..<1 (the shell
    /// draws it; tests pass fixed values). A server's `Retry-After` wins when longer, up to one hour.
    public func delayMillis(attempt: Int, retryAfterSeconds: Double? = nil, random: Double) -> Int64 {
        let exponential = min(maxSeconds, baseSeconds * pow2(max(0, attempt - 1)))
        let jittered = exponential * (1 - jitter + 2 * jitter * random)
        let delay = max(jittered, min(retryAfterSeconds ?? 0, 3600))
        return Int64(delay * 1000)
    }

    private func pow2(_ n: Int) -> Double { n >= 30 ? Double(1 << 30) : Double(1 << n) }
}

/// What the reply to one delivery attempt means.
public enum DeliveryVerdict: Sendable, Hashable {
    case delivered
    /// Network error, timeout, 5xx or 429: try again later.
    case retry
    /// Any other 4xx: the receiver will never accept it; dead-letter with the response.
    case reject

    /// Classifies an HTTP status (`nil` = no response: network error or timeout).
    public static func classify(status: Int?) -> DeliveryVerdict {
        guard let status else { return .retry }
        switch status {
        case 200..<300: return .delivered
        case 408, 425, 429: return .retry
        case 500...599: return .retry
        default: return .reject
        }
    }
}
