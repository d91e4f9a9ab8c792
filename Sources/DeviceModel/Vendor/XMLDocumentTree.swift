import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads an XML document (Hikvision's `EventNotificationAlert` of older firmware) into the same
/// ``JSONValue`` tree a JSON push gives: an element with children becomes an object keyed by child name
/// (the first of repeated names wins), a leaf its text. Namespaces and attributes are dropped.
///
/// A push is untrusted input, and FoundationXML on Linux is not safe with every input: an element name
/// that is not UTF-8 (`<a><b\xff>x</b\xff></a>`) traps the whole process in `_NSXMLParserStartElementNs`
/// (swift-corelibs-foundation's FoundationXML over libxml2, seen with Swift 6.3), and an undefined or
/// external entity ends the document early without an error. So ``XMLPreflight`` refuses what the parser
/// mishandles before it sees the bytes, and a parse that does not close every element is refused too:
/// never a partial document.
enum XMLDocumentTree {
    static func parse(_ data: Data) throws(XMLPreflight.Refusal) -> (root: String, value: JSONValue) {
        try XMLPreflight.check(data)
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        parser.shouldReportNamespacePrefixes = false
        let builder = TreeBuilder()
        parser.delegate = builder
        let finished = parser.parse()
        if builder.depthExceeded { throw .tooDeep }
        guard finished, parser.parserError == nil, builder.stack.isEmpty, let root = builder.root else {
            throw .notWellFormed(line: parser.lineNumber)
        }
        return root
    }

    private final class TreeBuilder: NSObject, XMLParserDelegate {
        struct Frame {
            var name: String
            var children: [String: JSONValue] = [:]
            var text = ""
        }

        var stack: [Frame] = []
        var root: (String, JSONValue)?
        var depthExceeded = false

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            guard stack.count < XMLPreflight.maxDepth else {
                depthExceeded = true
                parser.abortParsing()
                return
            }
            let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
            stack.append(Frame(name: local))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty, stack[stack.count - 1].text.utf8.count < 4096 else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            guard let frame = stack.popLast() else { return }
            let value: JSONValue = frame.children.isEmpty
                ? .string(frame.text.trimmingCharacters(in: .whitespacesAndNewlines))
                : .object(frame.children)
            if stack.isEmpty {
                root = (frame.name, value)
            } else if stack[stack.count - 1].children[frame.name] == nil {
                stack[stack.count - 1].children[frame.name] = value
            }
        }
    }
}

/// What the gateway refuses in an XML push before any parser reads it: bytes that are not UTF-8, an
/// encoding other than UTF-8, a document type declaration (entities, external references), entity
/// references other than XML's five and character references, and characters XML 1.0 forbids.
enum XMLPreflight {
    static let maxDepth = 32

    enum Refusal: Error, Sendable, Hashable {
        case notUTF8(offset: Int)
        case unsupportedEncoding
        case documentType
        case entityReference(offset: Int)
        case forbiddenCharacter(offset: Int)
        case tooDeep
        case notWellFormed(line: Int)

        var detail: String {
            switch self {
            case let .notUTF8(offset): "XML is not valid UTF-8 (at byte \(offset))"
            case .unsupportedEncoding: "XML declares an encoding other than UTF-8"
            case .documentType: "XML with a document type declaration (DOCTYPE, entities) is not accepted"
            case let .entityReference(offset): "XML entity reference at byte \(offset) is not one of &amp; &lt; &gt; &quot; &apos; or a character reference"
            case let .forbiddenCharacter(offset): "XML contains a control character at byte \(offset)"
            case .tooDeep: "XML nests deeper than \(XMLPreflight.maxDepth) elements"
            case let .notWellFormed(line): "not a well-formed XML document (line \(line))"
            }
        }
    }

    static func check(_ data: Data) throws(Refusal) {
        let refusal: Refusal? = data.withUnsafeBytes { raw -> Refusal? in
            let bytes = raw.bindMemory(to: UInt8.self)
            var utf8 = bytes.makeIterator()
            var decoder = UTF8()
            var offset = 0
            loop: while true {
                switch decoder.decode(&utf8) {
                case .scalarValue: offset += 1
                case .emptyInput: break loop
                case .error: return .notUTF8(offset: min(offset, bytes.count))
                }
            }
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case 0x09, 0x0A, 0x0D: break
                case 0x00..<0x20, 0x7F: return .forbiddenCharacter(offset: index)
                case UInt8(ascii: "&"):
                    guard let end = referenceEnd(bytes, from: index) else { return .entityReference(offset: index) }
                    index = end
                    continue
                case UInt8(ascii: "<"):
                    if hasPrefix(bytes, at: index, "<!DOCTYPE") || hasPrefix(bytes, at: index, "<!ENTITY") { return .documentType }
                    if hasPrefix(bytes, at: index, "<?xml"), let problem = declarationProblem(bytes, at: index) { return problem }
                default: break
                }
                index += 1
            }
            return nil
        }
        if let refusal { throw refusal }
    }

    private static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, _ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != prefix.utf8Start[offset] { return false }
        return true
    }

    /// The index after a permitted reference starting at `index` (`&amp;`, `&#65;`, `&#x41;`), or nil.
    private static func referenceEnd(_ bytes: UnsafeBufferPointer<UInt8>, from index: Int) -> Int? {
        for name in ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"] as [StaticString] where hasPrefix(bytes, at: index, name) {
            return index + name.utf8CodeUnitCount
        }
        var cursor = index + 1
        guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "#") else { return nil }
        cursor += 1
        let hex = cursor < bytes.count && bytes[cursor] == UInt8(ascii: "x")
        if hex { cursor += 1 }
        let digitsStart = cursor
        var value: UInt32 = 0
        while cursor < bytes.count, cursor - digitsStart < 8 {
            let byte = bytes[cursor]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f") where hex: digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F") where hex: digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: digit = UInt32.max
            }
            if digit == UInt32.max { break }
            value = value * (hex ? 16 : 10) + digit
            cursor += 1
        }
        // A character XML allows: tab, LF, CR or ≥ 0x20, a Unicode scalar.
        guard cursor > digitsStart, cursor < bytes.count, bytes[cursor] == UInt8(ascii: ";"),
              value == 0x09 || value == 0x0A || value == 0x0D || value >= 0x20, Unicode.Scalar(value) != nil else { return nil }
        return cursor + 1
    }

    /// `<?xml version="1.0" encoding="UTF-8"?>`: an encoding other than UTF-8 is refused.
    private static func declarationProblem(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Refusal? {
        var end = index
        while end < bytes.count, end - index < 200, bytes[end] != UInt8(ascii: ">") { end += 1 }
        let declaration = String(decoding: UnsafeBufferPointer(rebasing: bytes[index..<end]), as: UTF8.self).lowercased()
        guard let range = declaration.range(of: "encoding") else { return nil }
        let rest = declaration[range.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "'" }
        return rest.hasPrefix("utf-8") || rest.hasPrefix("utf8") ? nil : .unsupportedEncoding
    }
}
