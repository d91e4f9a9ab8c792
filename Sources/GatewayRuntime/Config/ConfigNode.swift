/// A YAML node as the configuration readers need it: text, lists and mappings with their positions — no tags,
/// no implicit typing (every value is text until a validator gives it meaning). Lighter than a general YAML
/// tree, and built by ``YAMLEventReader`` straight from libyaml's event stream.
enum ConfigNode: Sendable {
    case scalar(Scalar)
    case sequence(Sequence)
    case mapping(Mapping)

    struct Mark: Sendable {
        /// 1-based, as diagnostics print them (libyaml counts columns in Unicode scalars).
        var line: Int
        var column: Int
    }

    struct Scalar: Sendable {
        enum Style: Sendable { case plain, quoted, block }
        var string: String
        var style: Style
        var mark: Mark
    }

    struct Sequence: Swift.Sequence, Sendable {
        var items: [ConfigNode]
        var mark: Mark
        func makeIterator() -> IndexingIterator<[ConfigNode]> { items.makeIterator() }
    }

    struct Mapping: Swift.Sequence, Sendable {
        var pairs: [(ConfigNode, ConfigNode)]
        var mark: Mark
        func makeIterator() -> IndexingIterator<[(ConfigNode, ConfigNode)]> { pairs.makeIterator() }
    }

    var mark: Mark? {
        switch self {
        case let .scalar(scalar): scalar.mark
        case let .sequence(sequence): sequence.mark
        case let .mapping(mapping): mapping.mark
        }
    }

    /// The text of a scalar; `nil` for lists and mappings.
    var string: String? {
        if case let .scalar(scalar) = self { return scalar.string }
        return nil
    }

    var scalar: Scalar? {
        if case let .scalar(scalar) = self { return scalar }
        return nil
    }
}
