import Synchronization

/// An answer computed at most once per `maxAge`: `/readyz` and `/metrics` under a request flood cost one
/// computation a second, not one a request, and never starve the database's single writer.
final class RecentAnswer<Value: Sendable>: Sendable {
    private let maxAge: Duration
    private let cached = Mutex<(at: ContinuousClock.Instant, value: Value)?>(nil)

    init(maxAge: Duration) {
        self.maxAge = maxAge
    }

    func value(_ compute: () async throws -> Value) async rethrows -> Value {
        let now = ContinuousClock.now
        if let hit = cached.withLock({ $0 }), now - hit.at < maxAge { return hit.value }
        let value = try await compute()
        cached.withLock { $0 = (now, value) }
        return value
    }
}
