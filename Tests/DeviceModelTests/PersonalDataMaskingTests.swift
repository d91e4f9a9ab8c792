import DeviceModel
import Testing

@Suite("PersonalDataMasking")
struct PersonalDataMaskingTests {
    @Test("names keep the first and last character", arguments: [
        ("张三", "张*"),
        ("张建华", "张*华"),
        ("欧阳建华", "欧**华"),
        ("爱新觉罗溥", "爱***溥"),
        ("张", "张"),
        ("", ""),
    ])
    func name(_ input: String, _ expected: String) {
        #expect(PersonalDataMasking.name(input) == expected)
    }

    @Test("a masked name of two or more characters never equals the full name", arguments: ["张三", "张建华", "欧阳建华", "诸葛孔明亮"])
    func nameHidesSomething(_ input: String) {
        let masked = PersonalDataMasking.name(input)
        #expect(masked != input)
        #expect(masked.count == input.count)
        #expect(masked.contains("*"))
    }

    @Test("mobile numbers keep 3 + 4 digits", arguments: [
        ("13812341234", "138****1234"),
        ("13957123456", "139****3456"),
        ("12345678", "123*5678"),
        ("1234567", "*******"),
        ("1234", "****"),
        ("", ""),
    ])
    func phone(_ input: String, _ expected: String) {
        #expect(PersonalDataMasking.phone(input) == expected)
    }

    @Test("a masked mobile keeps the length and hides the middle")
    func phoneLength() {
        let masked = PersonalDataMasking.phone("13812341234")
        #expect(masked.count == 11)
        #expect(!masked.contains("234123"))
    }
}
