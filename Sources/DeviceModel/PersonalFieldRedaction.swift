import Foundation

/// Takes the personal fields out of a pushed body before it is kept as a dead letter: the names, staff and
/// card numbers, user ids, passwords, face rectangles and picture links that face terminals put in their
/// events (Hikvision `name`, `employeeNoString`, `cardNo`, `pictureURL`; Dahua `Name`, `CardNo`, `UserID`,
/// `Password`, `SnapURL`). JSON is redacted field by field; text that is not valid JSON (XML, Dahua blocks,
/// a truncated body) by pattern; a body that is not text at all (an image) is not kept.
public enum PersonalFieldRedaction {
    /// Lower-cased field names whose values are replaced by `***`.
    public static let fields: Set<String> = [
        "name", "employeeno", "employeenostring", "cardno", "pictureurl", "facerect", "userid", "password",
        "snapurl", "certificatenumber", "idcardno", "personname", "phone", "mobile",
    ]

    public static func redact(_ payload: Data) -> Data {
        guard let text = String(data: payload, encoding: .utf8) else {
            return Data("(binary body of \(payload.count) bytes, not kept)".utf8)
        }
        if let value = try? JSONDecoder().decode(JSONValue.self, from: payload),
           let encoded = try? JSONEncoder.sortedKeys.encode(redact(value)) {
            return encoded
        }
        return Data(redactText(text).utf8)
    }

    static func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case let .object(fields):
            var result: [String: JSONValue] = [:]
            for (key, field) in fields {
                result[key] = Self.fields.contains(key.lowercased()) ? .string("***") : redact(field)
            }
            return .object(result)
        case let .array(items):
            return .array(items.map(redact))
        default:
            return value
        }
    }

    private static let alternatives = fields.sorted().joined(separator: "|")
    // `"Name" : "李四"` or `"cardNo":12345` (also inside Dahua `data={…}` and truncated JSON).
    private static let jsonField = try! NSRegularExpression(
        pattern: #""(\#(alternatives))"\s*:\s*("(?:[^"\\]|\\.)*"?|\{[^}]*\}?|[^,}\s]+)"#, options: [.caseInsensitive])
    // `<name>李四</name>` (also with a namespace prefix), or an unterminated one at the end.
    private static let xmlElement = try! NSRegularExpression(
        pattern: #"<((?:\w+:)?(?:\#(alternatives)))>[^<]*(</\1>)?"#, options: [.caseInsensitive])

    static func redactText(_ text: String) -> String {
        let whole = NSRange(text.startIndex..., in: text)
        let json = jsonField.stringByReplacingMatches(in: text, range: whole, withTemplate: #""$1":"***""#)
        return xmlElement.stringByReplacingMatches(in: json, range: NSRange(json.startIndex..., in: json), withTemplate: "<$1>***</$1>")
    }
}
