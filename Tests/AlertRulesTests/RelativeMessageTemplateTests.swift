import AlertRules
import Testing

@Suite("RelativeMessageTemplate")
struct RelativeMessageTemplateTests {
    static let signature = "【智慧社区】"

    /// Alert titles of realistic rules; the planner cuts them to 12 characters.
    static let titles = [
        "长时间静止不动（疑似倒地）", "跌倒报警", "夜间离床未归", "烟雾与燃气同时报警", "人脸识别多次失败",
        "心率过高", "血氧过低", "持续心率过高", "长时间无活动", "SOS紧急呼叫", "设备离线",
    ]

    /// Community names cut to 8 characters, plus a two-digit building (as the planner builds `place`).
    static let places = [
        "翠苑一区社区11幢",
        String("杭州市西湖区翠苑街道翠苑一区社区".prefix(8)) + "11幢",
        String("文新街道德加社区".prefix(8)) + "99幢",
    ]

    static func params(name: String, place: String, event: String, level: String) -> [String: String] {
        ["name": name, "place": place, "time": "11-23 14:05", "event": String(event.prefix(12)), "level": level,
         "count": "12", "events": "\(event.prefix(8))、心率持续过高等"]
    }

    /// The placeholders `{…}` in a template text.
    static func placeholders(_ text: String) -> [String] {
        var result: [String] = []
        var current: String?
        for character in text {
            if character == "{" { current = "" } else if character == "}", let name = current {
                result.append(name)
                current = nil
            } else if current != nil { current!.append(character) }
        }
        return result
    }

    @Test("template ids")
    func ids() {
        #expect(RelativeMessageTemplate.alert.rawValue == "ELDER_ALERT_V1")
        #expect(RelativeMessageTemplate.escalated.rawValue == "ELDER_ESCALATED_V1")
        #expect(RelativeMessageTemplate.resolved.rawValue == "ELDER_RESOLVED_V1")
        #expect(RelativeMessageTemplate.digest.rawValue == "ELDER_DIGEST_V1")
        #expect(RelativeMessageTemplate.allCases.count == 4)
        #expect(RelativeMessageTemplate.singleSegmentLength == 70)
    }

    @Test("placeholders each template uses")
    func placeholderSets() {
        #expect(Set(Self.placeholders(RelativeMessageTemplate.alert.text)) == ["name", "place", "time", "event"])
        #expect(Set(Self.placeholders(RelativeMessageTemplate.escalated.text)) == ["name", "place", "event", "level"])
        #expect(Set(Self.placeholders(RelativeMessageTemplate.resolved.text)) == ["name", "place", "time", "event"])
        #expect(Set(Self.placeholders(RelativeMessageTemplate.digest.text)) == ["count", "name", "events"])
    }

    @Test("worst-case parameters fit one SMS segment with the signature", arguments: RelativeMessageTemplate.allCases)
    func fitsOneSegment(_ template: RelativeMessageTemplate) {
        for name in ["欧**华", "张*华", "张*"] {
            for place in Self.places {
                for title in Self.titles {
                    for level in ["社区", "街道"] {
                        let text = template.render(Self.params(name: name, place: place, event: title, level: level),
                                                   signature: Self.signature)
                        // SMS counts UCS-2 code units; for this text that equals the character count.
                        #expect(text.utf16.count <= RelativeMessageTemplate.singleSegmentLength,
                                "\(template.rawValue) is \(text.utf16.count) long: \(text)")
                        #expect(text.count <= RelativeMessageTemplate.singleSegmentLength)
                    }
                }
            }
        }
    }

    @Test("the longest realistic message of each template", arguments: RelativeMessageTemplate.allCases)
    func longest(_ template: RelativeMessageTemplate) {
        let place = String("杭州市西湖区翠苑街道翠苑一区社区".prefix(8)) + "11幢"
        #expect(place.count == 11)
        let event = String("长时间静止不动（疑似倒地）".prefix(12))
        #expect(event.count == 12)
        let text = template.render(Self.params(name: "欧**华", place: place, event: event, level: "街道"),
                                   signature: Self.signature)
        #expect(text.utf16.count <= RelativeMessageTemplate.singleSegmentLength, "\(text.utf16.count): \(text)")
    }

    @Test("render replaces every placeholder", arguments: RelativeMessageTemplate.allCases)
    func replacesAll(_ template: RelativeMessageTemplate) {
        let params = Self.params(name: "张*华", place: "幸福里社区3幢", event: "跌倒报警", level: "社区")
        let text = template.render(params, signature: Self.signature)
        #expect(!text.contains("{"))
        #expect(!text.contains("}"))
        #expect(text.hasPrefix(Self.signature))
        #expect(text.contains("张*华"))
        if template != .digest {
            #expect(text.contains("幸福里社区3幢"))
        }
        #expect(text.contains("跌倒报警"))
        for placeholder in Self.placeholders(template.text) {
            #expect(text.contains(params[placeholder]!))
        }
    }

    @Test("the alert message reads as documented")
    func alertText() {
        let text = RelativeMessageTemplate.alert.render(
            ["name": "张*华", "place": "幸福里社区3幢", "time": "11-23 14:05", "event": "跌倒报警"], signature: Self.signature)
        #expect(text == "【智慧社区】您的家人张*华（幸福里社区3幢）11-23 14:05触发跌倒报警，社区已在处理，请尽快联系确认。")
    }

    @Test("the escalated message names the level")
    func escalatedText() {
        let text = RelativeMessageTemplate.escalated.render(
            ["name": "张*华", "place": "幸福里社区3幢", "event": "跌倒报警", "level": "街道"], signature: Self.signature)
        #expect(text == "【智慧社区】张*华（幸福里社区3幢）的跌倒报警尚未处理完毕，已升级由街道跟进，请留意来电。")
    }

    @Test("a placeholder used twice is replaced every time; unknown params are ignored")
    func repeatedPlaceholder() {
        let text = RelativeMessageTemplate.resolved.render(
            ["name": "李*", "place": "P", "time": "01-01 00:00", "event": "E", "unused": "X", "name2": "Y"], signature: "")
        #expect(!text.contains("{"))
        #expect(!text.contains("X"))
        #expect(!text.contains("Y"))
        #expect(text.hasPrefix("李*（P）01-01 00:00的E"))
    }

    @Test("a missing parameter stays visible as its placeholder")
    func missingParameter() {
        let text = RelativeMessageTemplate.escalated.render(["name": "张*", "place": "P", "event": "E"], signature: "")
        #expect(text.contains("{level}"))
    }

    @Test("templates are Chinese and carry no health values")
    func noHealthValues() {
        for template in RelativeMessageTemplate.allCases {
            for word in ["心率", "血氧", "血压", "bpm", "%"] {
                #expect(!template.text.contains(word))
            }
        }
    }
}
