import DeviceModel
import Foundation
@testable import GatewayRuntime
import Testing

/// `events.field_problems` is written by hand on the hot path: it must be the JSON JSONEncoder wrote before,
/// whatever a device puts in a field's name.
@Suite("Stored field problems")
struct EventBodyTests {
    static let hostileNames = [
        "spo2", "quote\"d", "back\\slash", "slash/ed", "新字段", "emoji🙂", "tab\there", "line\nbreak", "cr\rlf",
        "\u{08}\u{0C}", String(decoding: (0..<32).map { UInt8($0) }, as: UTF8.self), "\u{7F}del", "",
    ]

    @Test(arguments: hostileNames)
    func problemsAreWhatJSONEncoderWrote(_ name: String) throws {
        let problems = [
            FieldProblem(field: name, reason: .unknownMetric, detail: "not a metric of wristband: \(name)"),
            FieldProblem(field: "steps", reason: .valueOutOfRange, detail: "250000 is outside 0…200000"),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expected = String(decoding: try encoder.encode(problems), as: UTF8.self)
        #expect(EventBody.problems(problems) == expected)
        let decoded = try JSONDecoder().decode([FieldProblem].self, from: Data(EventBody.problems(problems).utf8))
        #expect(decoded == problems)
    }

    @Test func noProblemsIsAnEmptyList() {
        #expect(EventBody.problems([]) == "[]")
    }
}
