import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads an XML document (Hikvision's `EventNotificationAlert` of older firmware) into the same
/// ``JSONValue`` tree a JSON push gives: an element with children becomes an object keyed by child name
/// (the first of repeated names wins), a leaf its text. Namespaces and attributes are dropped.
/// Entity expansion and external entities are off: a push is untrusted input.
enum XMLDocumentTree {
    static func parse(_ data: Data) -> (root: String, value: JSONValue)? {
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        let builder = TreeBuilder()
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else { return nil }
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
            guard stack.count < 32 else {
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
