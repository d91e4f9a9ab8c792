import DeviceModel

/// The files `gatewayd devices import` takes, read into device drafts with every cell's or key's
/// `file:line:column`: a CSV (``FleetCSV``) or a fleet YAML file, the `devices:` list of a file devices.yaml
/// includes. The rows are validated afterwards, all at once (``FleetImportPlanner``).
public enum FleetFileReader {
    public enum Format: String, Sendable {
        case csv, yaml
    }

    /// The drafts of `bytes` and the problems of its shape (encoding, syntax, unknown columns or keys).
    public static func drafts(_ bytes: [UInt8], format: Format, file: String) -> (drafts: [DeviceDraft], issues: [ValidationIssue]) {
        switch format {
        case .csv: return FleetCSV.drafts(bytes, file: file)
        case .yaml: return yamlDrafts(bytes, file: file)
        }
    }

    private static func yamlDrafts(_ bytes: [UInt8], file: String) -> (drafts: [DeviceDraft], issues: [ValidationIssue]) {
        let start = SourceLocation(file: file, line: 1, column: 1)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return ([], [ValidationIssue(location: start, path: "", message: "the file is not UTF-8 text")])
        }
        var issues: [ValidationIssue] = []
        var devices: [DeviceDraft] = []
        do {
            guard let root = try RegistryLoader.readDocument(.text(text), file: file, positions: true, issues: &issues, entries: { entry in
                if case let .device(device) = entry { devices.append(device) }
            }) else {
                return ([], [ValidationIssue(location: start, path: "", message: "the file is empty: expected a `devices:` list")])
            }
            if let fleet = YAMLRecord(root, file: file, path: "", allowedKeys: ["residents", "devices"], issues: &issues) {
                if fleet.values["residents"] != nil {
                    issues.append(ValidationIssue(location: fleet.origins["residents"], path: "residents",
                                                  message: "an import registers devices only: residents belong in devices.yaml "
                                                      + "or a fleet file it includes"))
                }
                if fleet.values["devices"] == nil {
                    issues.append(ValidationIssue(location: start, path: "", message: "expected a `devices:` list"))
                }
            }
        } catch {
            return ([], error.issues)
        }
        return (devices, issues)
    }
}
