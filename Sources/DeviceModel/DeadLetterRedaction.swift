import Foundation

/// What a dead letter keeps of a refused payload by default: its shape, never its values. An installer sees
/// which keys, elements and fields a device sent and where the syntax broke; readings, names, card numbers
/// and free text are masked.
///
/// Lexical, so it works the same on valid JSON, broken JSON, XML and Dahua's `Code=…;data={…}` text (and a
/// mutated key such as `""ame"` cannot slip a value through, as key-name lists could):
/// - a quoted string followed by `:` is a key and its ASCII kept; every other quoted string's characters become `*`;
/// - in a document that starts with `<`, text between tags and attribute values become `*`; ASCII tag names stay;
/// - digits become `#`, non-ASCII characters outside strings `*`;
/// - everything else (braces, brackets, commas, `true`/`false`/`null`, tag and key names) is kept.
/// A payload that is not UTF-8 text is not kept at all.
public enum DeadLetterRedaction {
    public static func redact(_ payload: Data) -> Data {
        guard let text = String(validating: payload, as: UTF8.self) else {
            return Data("(binary payload of \(payload.count) bytes, not kept)".utf8)
        }
        let scalars = Array(text.unicodeScalars)
        let isXML = scalars.first { !$0.properties.isWhitespace } == "<"
        var output = String.UnicodeScalarView()
        output.reserveCapacity(scalars.count)
        var index = 0
        var insideTag = false
        while index < scalars.count {
            let scalar = scalars[index]
            if (scalar == "\"" && (!isXML || insideTag)) || (isXML && insideTag && scalar == "'") {
                let quote = scalar
                var end = index + 1
                while end < scalars.count, scalars[end] != quote {
                    end += scalars[end] == "\\" && !isXML ? 2 : 1
                }
                let closed = end < scalars.count
                let isKey = closed && !isXML && nextNonSpace(scalars, after: end) == ":"
                output.append(quote)
                for inner in scalars[(index + 1)..<min(end, scalars.count)] {
                    // A key keeps its ASCII (field names); anything else in it could be a value a mutated
                    // document turned into a key (`"王五":`).
                    output.append(isKey && inner.isASCII ? inner : "*")
                }
                if closed { output.append(quote) }
                index = end + 1
                continue
            }
            if isXML {
                if scalar == "<" { insideTag = true }
                if scalar == ">" { insideTag = false }
                if (!insideTag && scalar != ">" && !scalar.properties.isWhitespace) || (insideTag && !scalar.isASCII) {
                    output.append("*")
                    index += 1
                    continue
                }
            }
            // Outside strings: digits are readings, non-ASCII text (a name in broken JSON) is masked too;
            // ASCII letters are keywords, codes and field names (`true`, `Code=AccessControl`).
            output.append(("0"..."9").contains(scalar) ? "#" : scalar.isASCII ? scalar : "*")
            index += 1
        }
        return Data(String(output).utf8)
    }

    private static func nextNonSpace(_ scalars: [Unicode.Scalar], after index: Int) -> Unicode.Scalar? {
        var cursor = index + 1
        while cursor < scalars.count, scalars[cursor].properties.isWhitespace { cursor += 1 }
        return cursor < scalars.count ? scalars[cursor] : nil
    }
}
