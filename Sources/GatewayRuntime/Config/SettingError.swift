/// A command-line or environment setting that cannot be used (a broker URL, `--http`, a duration), as
/// opposed to a problem inside devices.yaml (``ConfigFileError``).
public struct SettingError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
