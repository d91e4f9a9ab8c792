import AlertRules
import Foundation
import Testing

@Suite("Persisted rule memory")
struct KeyStateJSONTests {
    static let states: [KeyState] = {
        var empty = KeyState()
        var full = KeyState()
        full.active = true
        full.since = 1_764_633_600_000
        full.lastActivity = -5
        full.lastSteps = 12_345
        full.hits = [1, 2, 3]
        full.pendingSince = 42
        full.seen = [7, nil, 9]
        full.openings = [Int64.max, Int64.min + 1]
        var fractional = KeyState()
        fractional.lastSteps = 0.5
        var huge = KeyState()
        huge.lastSteps = 1e20
        empty.seen = [nil]
        return [KeyState(), empty, full, fractional, huge]
    }()

    @Test("the hand-written JSON reads back as the same state, and as JSONEncoder's form does", arguments: states)
    func roundTrip(_ state: KeyState) throws {
        let decoded = try JSONDecoder().decode(KeyState.self, from: Data(state.persistedJSON.utf8))
        #expect(decoded == state)
        let viaEncoder = try JSONDecoder().decode(KeyState.self, from: JSONEncoder().encode(state))
        #expect(viaEncoder == decoded)
    }
}
