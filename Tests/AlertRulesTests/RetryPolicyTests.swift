import AlertRules
import Testing

@Suite("RetryPolicy")
struct RetryPolicyTests {
    /// Without jitter the delay is exactly base × 2^(attempt-1), capped at max.
    static let ladder: [(Int, Int64)] = [
        (1, 1_000),
        (2, 2_000),
        (3, 4_000),
        (4, 8_000),
        (9, 256_000),
        (10, 300_000), // 512 s capped at 300 s
        (30, 300_000),
        (64, 300_000), // no overflow for huge attempts
        (Int.max, 300_000),
        (0, 1_000), // attempts below 1 count as the first
        (-3, 1_000),
    ]

    @Test("exponential from base, capped at max", arguments: ladder)
    func exponential(_ attempt: Int, _ millis: Int64) {
        let policy = RetryPolicy(baseSeconds: 1, maxSeconds: 300, jitter: 0)
        #expect(policy.delayMillis(attempt: attempt, random: 0) == millis)
        #expect(policy.delayMillis(attempt: attempt, random: 0.999) == millis)
    }

    @Test("other bases scale the ladder")
    func otherBase() {
        let policy = RetryPolicy(baseSeconds: 2.5, maxSeconds: 60, jitter: 0)
        #expect(policy.delayMillis(attempt: 1, random: 0.5) == 2_500)
        #expect(policy.delayMillis(attempt: 3, random: 0.5) == 10_000)
        #expect(policy.delayMillis(attempt: 5, random: 0.5) == 40_000)
        #expect(policy.delayMillis(attempt: 6, random: 0.5) == 60_000)
    }

    /// Default jitter 0.2: random 0 → 80 %, 0.5 → 100 %, →1 → 120 % of the exponential delay.
    // attempt, random, low, high (inclusive, ±1 ms for floating point)
    static let jitterTable: [(Int, Double, Int64, Int64)] = [
        (1, 0.0, 799, 800),
        (1, 0.5, 999, 1_000),
        (1, 0.999_999, 1_199, 1_200),
        (3, 0.0, 3_199, 3_200),
        (3, 0.5, 3_999, 4_000),
        (3, 0.999_999, 4_799, 4_800),
        (12, 0.0, 239_999, 240_000),
        (12, 0.5, 299_999, 300_000),
        (12, 0.999_999, 359_999, 360_000),
    ]

    @Test("jitter: random 0 is the low end, 0.5 the middle, →1 the high end", arguments: jitterTable)
    func jitter(_ attempt: Int, _ random: Double, _ low: Int64, _ high: Int64) {
        let delay = RetryPolicy().delayMillis(attempt: attempt, random: random)
        #expect(delay >= low && delay <= high, "attempt \(attempt), random \(random): \(delay)")
    }

    @Test("the delay grows monotonically with random")
    func monotonicInRandom() {
        let policy = RetryPolicy()
        var previous: Int64 = -1
        for step in 0..<100 {
            let delay = policy.delayMillis(attempt: 4, random: Double(step) / 100)
            #expect(delay >= previous)
            previous = delay
        }
    }

    @Test("the delay never shrinks with more attempts (same random)")
    func monotonicInAttempt() {
        let policy = RetryPolicy()
        for random in [0.0, 0.3, 0.999] {
            var previous: Int64 = -1
            for attempt in 1...40 {
                let delay = policy.delayMillis(attempt: attempt, random: random)
                #expect(delay >= previous)
                previous = delay
            }
        }
    }

    // attempt, retryAfter, random, expected
    static let retryAfterTable: [(Int, Double?, Double, Int64)] = [
        (1, 10, 0.5, 10_000),
        (1, 0.5, 0.5, 1_000), // shorter than the backoff: backoff wins
        (1, 0, 0.5, 1_000),
        (1, nil, 0.5, 1_000),
        (3, 3.9, 0.5, 4_000),
        (3, 4.5, 0.0, 4_500),
        (1, 3_600, 0.5, 3_600_000),
        (1, 7_200, 0.5, 3_600_000), // capped at one hour
        (1, 1e12, 0.5, 3_600_000),
        (1, -30, 0.5, 1_000), // nonsense values are ignored
        (12, 120, 0.5, 300_000), // the capped backoff is longer
        (12, 900, 0.5, 900_000),
    ]

    @Test("Retry-After wins when longer, capped at one hour", arguments: retryAfterTable)
    func retryAfter(_ attempt: Int, _ retryAfter: Double?, _ random: Double, _ expected: Int64) {
        let delay = RetryPolicy().delayMillis(attempt: attempt, retryAfterSeconds: retryAfter, random: random)
        #expect(abs(delay - expected) <= 1, "attempt \(attempt), Retry-After \(String(describing: retryAfter)): \(delay)")
    }

    @Test("Retry-After is honoured exactly, without jitter")
    func retryAfterWithoutJitter() {
        let policy = RetryPolicy(jitter: 0.5)
        for random in [0.0, 0.5, 0.999] {
            #expect(policy.delayMillis(attempt: 1, retryAfterSeconds: 30, random: random) == 30_000)
        }
    }

    @Test("defaults")
    func defaults() {
        let policy = RetryPolicy()
        #expect(policy.baseSeconds == 1)
        #expect(policy.maxSeconds == 300)
        #expect(policy.jitter == 0.2)
    }
}

@Suite("DeliveryVerdict")
struct DeliveryVerdictTests {
    static let table: [(Int?, DeliveryVerdict)] = [
        (nil, .retry),
        (200, .delivered),
        (201, .delivered),
        (202, .delivered),
        (204, .delivered),
        (299, .delivered),
        (408, .retry),
        (425, .retry),
        (429, .retry),
        (500, .retry),
        (502, .retry),
        (503, .retry),
        (504, .retry),
        (599, .retry),
        (400, .reject),
        (401, .reject),
        (403, .reject),
        (404, .reject),
        (409, .reject),
        (410, .reject),
        (413, .reject),
        (422, .reject),
        (499, .reject),
        (300, .reject),
        (301, .reject),
        (302, .reject),
        (304, .reject),
        (307, .reject),
    ]

    @Test("classification of HTTP statuses", arguments: table)
    func classify(_ status: Int?, _ verdict: DeliveryVerdict) {
        #expect(DeliveryVerdict.classify(status: status) == verdict)
    }
}
