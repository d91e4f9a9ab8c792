import AlertRules

/// Where one kind of delivery goes: `--workorder-url` or `--message-url`, with its limits.
public struct DeliveryTarget: Sendable, Hashable {
    public var kind: PlannedDelivery.Target
    public var url: String
    /// Sent as `Authorization: Bearer …` when set (from GATEWAYD_WORKORDER_TOKEN / GATEWAYD_MESSAGE_TOKEN).
    public var bearerToken: String?
    /// Requests in flight at once to this target.
    public var concurrency: Int = 4
    /// A request slower than this counts as failed and is retried.
    public var timeoutSeconds: Int64 = 10
    /// How long a leased delivery is reserved for its attempt; after a crash it is retried once this passes.
    public var leaseSeconds: Int64 = 15
    public var retry = RetryPolicy()

    public init(kind: PlannedDelivery.Target, url: String, bearerToken: String? = nil) {
        self.kind = kind
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.bearerToken = bearerToken
    }
}
