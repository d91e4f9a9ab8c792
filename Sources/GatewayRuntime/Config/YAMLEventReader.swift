import CYaml
import DeviceModel
#if canImport(Glibc)
import Glibc
#endif

/// Reads a YAML document from libyaml's event stream into ``ConfigNode``s. The top-level mapping's large lists
/// (`devices`, `residents` — 100,000 entries in a district) are not built as one tree: each entry is composed,
/// handed to `visit` and dropped, so memory holds one entry at a time instead of the whole file's tree. A file is
/// read from disk as libyaml needs it (``withReader(path:_:)``): its text is never held whole either.
final class YAMLEventReader {
    struct SyntaxError: Error {
        enum Kind {
            /// Not valid YAML (or characters YAML does not allow).
            case syntax
            /// A byte sequence that is not UTF-8.
            case notUTF8
            /// The file could not be read.
            case unreadable
        }

        var location: SourceLocation
        var message: String
        var kind = Kind.syntax
    }

    private var parser = yaml_parser_t()
    private let file: String
    private var anchors: [String: ConfigNode] = [:]

    /// Reads `text` in place (no copy): `body` runs while its bytes are borrowed.
    static func withReader<T>(text: String, file: String, _ body: (YAMLEventReader) throws -> T) rethrows -> T {
        var text = text
        // libyaml wants a non-null input even when there is nothing to read.
        if text.isEmpty { text = "\n" }
        text.makeContiguousUTF8()
        return try text.utf8.withContiguousStorageIfAvailable { bytes in
            let reader = YAMLEventReader(bytes: bytes, file: file)
            return try body(reader)
        }!
    }

    /// Reads the file at `path` (already opened as `stream`, which stays the caller's) as libyaml asks for it.
    static func withReader<T>(stream: UnsafeMutablePointer<FILE>, file: String, _ body: (YAMLEventReader) throws -> T) rethrows -> T {
        let reader = YAMLEventReader(file: file)
        yaml_parser_set_input_file(&reader.parser, stream)
        return try body(reader)
    }

    private convenience init(bytes: UnsafeBufferPointer<UInt8>, file: String) {
        self.init(file: file)
        yaml_parser_set_input_string(&parser, bytes.baseAddress, bytes.count)
    }

    private init(file: String) {
        self.file = file
        yaml_parser_initialize(&parser)
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
    }

    deinit {
        yaml_parser_delete(&parser)
    }

    /// The document: the top-level mapping with the `streamed` lists replaced by empty lists (at their place,
    /// so shape checks still see a list), each of their entries given to `visit(key, index, node)` as it is read.
    /// `nil` for an empty document.
    func read(streaming streamed: Set<String>, visit: (String, Int, ConfigNode) -> Void) throws(SyntaxError) -> ConfigNode? {
        var event = try next()
        defer { yaml_event_delete(&event) }
        guard event.type == YAML_STREAM_START_EVENT else { throw problem("expected the start of a YAML stream") }
        yaml_event_delete(&event)
        event = try next()
        if event.type == YAML_STREAM_END_EVENT { return nil }
        guard event.type == YAML_DOCUMENT_START_EVENT else { throw problem("expected a YAML document") }
        yaml_event_delete(&event)
        event = try next()
        if event.type == YAML_MAPPING_START_EVENT { return try composeMapping(&event, streaming: streamed, visit: visit) }
        return try compose(&event)
    }

    // MARK: - Composition

    /// The node that starts with `event` (consumed up to its end event; `event` holds the last one read).
    private func compose(_ event: inout yaml_event_t) throws(SyntaxError) -> ConfigNode {
        let mark = Self.mark(event.start_mark)
        switch event.type {
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            let style: ConfigNode.Scalar.Style = switch scalar.style {
            case YAML_PLAIN_SCALAR_STYLE: .plain
            case YAML_LITERAL_SCALAR_STYLE, YAML_FOLDED_SCALAR_STYLE: .block
            default: .quoted
            }
            let node = ConfigNode.scalar(.init(string: text, style: style, mark: mark))
            anchor(scalar.anchor, to: node)
            return node
        case YAML_SEQUENCE_START_EVENT:
            let anchorName = event.data.sequence_start.anchor.map { String(cString: $0) }
            var items: [ConfigNode] = []
            try forEachItem(&event) { items.append($0) }
            let node = ConfigNode.sequence(.init(items: items, mark: mark))
            if let anchorName { anchors[anchorName] = node }
            return node
        case YAML_MAPPING_START_EVENT:
            return try composeMapping(&event, streaming: [], visit: { _, _, _ in })
        case YAML_ALIAS_EVENT:
            let name = event.data.alias.anchor.map { String(cString: $0) } ?? ""
            guard let node = anchors[name] else {
                throw SyntaxError(location: location(mark), message: "unknown alias *\(name)")
            }
            return node
        default:
            throw SyntaxError(location: location(mark), message: "unexpected YAML event")
        }
    }

    /// A mapping from its start event; the values of `streamed` keys that are lists are not kept: each item goes to
    /// `visit(key, index, item)` and the list is left empty in the mapping (at its place, so shape checks see a list).
    private func composeMapping(_ event: inout yaml_event_t, streaming streamed: Set<String>,
                                visit: (String, Int, ConfigNode) -> Void) throws(SyntaxError) -> ConfigNode {
        let mark = Self.mark(event.start_mark)
        let anchorName = event.data.mapping_start.anchor.map { String(cString: $0) }
        var pairs: [(ConfigNode, ConfigNode)] = []
        while true {
            yaml_event_delete(&event)
            event = try next()
            if event.type == YAML_MAPPING_END_EVENT { break }
            let key = try compose(&event)
            yaml_event_delete(&event)
            event = try next()
            if let name = key.string, streamed.contains(name), event.type == YAML_SEQUENCE_START_EVENT {
                let listMark = Self.mark(event.start_mark)
                var index = 0
                try forEachItem(&event) { item in
                    visit(name, index, item)
                    index += 1
                }
                pairs.append((key, .sequence(.init(items: [], mark: listMark))))
            } else {
                pairs.append((key, try compose(&event)))
            }
        }
        let node = ConfigNode.mapping(.init(pairs: pairs, mark: mark))
        if let anchorName { anchors[anchorName] = node }
        return node
    }

    /// Each item of the sequence that starts with `event`, composed in turn (`event` ends on the sequence's end).
    private func forEachItem(_ event: inout yaml_event_t, _ body: (ConfigNode) -> Void) throws(SyntaxError) {
        while true {
            yaml_event_delete(&event)
            event = try next()
            if event.type == YAML_SEQUENCE_END_EVENT { return }
            body(try compose(&event))
        }
    }

    private func anchor(_ name: UnsafeMutablePointer<yaml_char_t>?, to node: ConfigNode) {
        guard let name else { return }
        anchors[String(cString: name)] = node
    }

    private func next() throws(SyntaxError) -> yaml_event_t {
        var event = yaml_event_t()
        guard yaml_parser_parse(&parser, &event) == 1 else { throw problem(nil) }
        return event
    }

    /// libyaml's own description of what is wrong, where.
    private func problem(_ fallback: String?) -> SyntaxError {
        let mark = Self.mark(parser.problem_mark)
        let problem = parser.problem.map { String(cString: $0) } ?? fallback ?? "not valid YAML"
        let message = [parser.context.map { String(cString: $0) }, problem].compactMap { $0 }.filter { !$0.isEmpty }
            .joined(separator: ": ")
        var kind = SyntaxError.Kind.syntax
        if parser.error == YAML_READER_ERROR {
            // The reader's own problems: the bytes (UTF-8 that is not), or the file (a read that failed).
            if problem.contains("UTF-8") || problem.contains("Unicode") { kind = .notUTF8 }
            if problem == "input error" { kind = .unreadable }
        }
        return SyntaxError(location: location(mark), message: message, kind: kind)
    }

    private func location(_ mark: ConfigNode.Mark) -> SourceLocation {
        SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    private static func mark(_ mark: yaml_mark_t) -> ConfigNode.Mark {
        ConfigNode.Mark(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }
}
