import Testing
@testable import DeviceModel

@Suite("DurationText")
struct DurationTextTests {
    @Test("durations in seconds", arguments: [
        ("45s", 45),
        ("10m", 600),
        ("12h", 43_200),
        ("7d", 604_800),
        ("90", 90),
        ("1s", 1),
        (" 5m ", 300),
        ("\t1h", 3600),
        ("2147483647", 2_147_483_647),
        ("24855d", 24_855 * 86_400),
    ])
    func parses(_ text: String, _ seconds: Int) {
        #expect(DurationText.seconds(text) == seconds)
    }

    @Test("not a positive duration", arguments: [
        "0s", "0", "-5m", "5x", "", " ", "s", "m", "5 m", "1.5h", "5M", "+5s", "5ms",
        "24856d",               // beyond Int32.max seconds
        "99999999999999999999", // does not fit an Int
    ])
    func rejects(_ text: String) {
        #expect(DurationText.seconds(text) == nil)
    }
}
