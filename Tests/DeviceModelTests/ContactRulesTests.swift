import Testing
@testable import DeviceModel

@Suite("ContactRules")
struct ContactRulesTests {
    @Test("valid identifiers", arguments: [
        "a", "Z", "7", "wb-1", "c1.block_2", "0abc", "A-b_c.d",
        String(repeating: "a", count: 64),
    ])
    func validIdentifier(_ id: String) {
        #expect(ContactRules.isValidIdentifier(id))
    }

    @Test("invalid identifiers", arguments: [
        "",                                   // empty
        "a/b", "a+b", "a#b", "+", "#", "/",   // MQTT topic separators and wildcards
        "-a", "_a", ".a",                     // must start with a letter or digit
        "a b", " a", "a\n", "a:b", "a*b",
        "设备1", "café",                        // non-ASCII
        String(repeating: "a", count: 65),    // too long
    ])
    func invalidIdentifier(_ id: String) {
        #expect(!ContactRules.isValidIdentifier(id))
    }

    @Test("mainland mobile numbers normalise to 11 bare digits", arguments: [
        ("13957123456", "13957123456"),
        ("+86 139 5712 3456", "13957123456"),
        ("+8613957123456", "13957123456"),
        ("8613957123456", "13957123456"),
        ("86 139 5712 3456", "13957123456"),
        ("139-5712-3456", "13957123456"),
        ("+86-139-5712-3456", "13957123456"),
        ("19912345678", "19912345678"),
        ("15067891234", "15067891234"),
    ])
    func validMobile(_ text: String, _ expected: String) {
        #expect(ContactRules.normalizedMobile(text) == expected)
    }

    @Test("invalid mobile numbers", arguments: [
        "12345678901",        // second digit must be 3–9
        "1506789",            // too short
        "",
        "23957123456",        // must start with 1
        "1395712345a",
        "139571234567",       // 12 digits
        "+8612345678901",     // prefix fine, number not
        "86139571234",        // 11 digits starting 86 is not a mobile
        "0086 139 5712 3456", // 00-prefix not accepted
        "+1 139 5712 3456",
        "１３９５７１２３４５６",    // full-width digits
        "139.5712.3456",
    ])
    func invalidMobile(_ text: String) {
        #expect(ContactRules.normalizedMobile(text) == nil)
    }

    @Test("valid grid codes", arguments: [
        "330106005001", "123456", String(repeating: "9", count: 20),
    ])
    func validGridCode(_ code: String) {
        #expect(ContactRules.isValidGridCode(code))
    }

    @Test("invalid grid codes", arguments: [
        "", "12345", String(repeating: "9", count: 21), "33010600500A", "330106 005001", "-330106005001",
        "３３０１０６",
    ])
    func invalidGridCode(_ code: String) {
        #expect(!ContactRules.isValidGridCode(code))
    }
}
