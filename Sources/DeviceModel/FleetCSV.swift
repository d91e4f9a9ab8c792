/// A fleet as a spreadsheet exports it: one device a row under a header row naming the columns, the same fields
/// as a `devices:` entry of devices.yaml (those a spreadsheet can hold; no vendor binding or push secret).
///
/// ```
/// id,type,community,grid,building,unit,floor,room,zone,vendor,model,serial,installer,resident,report_interval,state
/// xf-0301-band,wristband,xingfuli,330106005001,3,1,5,501,,HUAMI,B1,HB-0001,inst-wang,res-zhang,,
/// ```
///
/// Columns may come in any order and optional ones may be left out; an unknown column is an error (with a
/// "did you mean"), and so is a missing required one. An empty cell is an absent value. Cells are trimmed.
public enum FleetCSV {
    /// Every column, in the order of the documented header.
    public static let columns = [
        "id", "type", "community", "grid", "building", "unit", "floor", "room", "zone", "vendor", "model", "serial",
        "installer", "resident", "report_interval", "state",
    ]
    public static let requiredColumns = ["id", "type", "community", "grid", "vendor", "model", "serial", "installer"]

    /// The drafts of every row, each with the `file:line:column` of its cells, and the problems of the file's
    /// shape (encoding, quoting, header, row length). Rows are validated afterwards (``FleetImportPlanner``).
    public static func drafts(_ bytes: [UInt8], file: String) -> (drafts: [DeviceDraft], issues: [ValidationIssue]) {
        if let line = firstInvalidUTF8Line(bytes) {
            return ([], [ValidationIssue(location: SourceLocation(file: file, line: line, column: 1), path: "",
                                         message: "the file is not UTF-8 text (save the spreadsheet as \"CSV UTF-8\")")])
        }
        let (records, syntaxErrors) = CSVReader().read(bytes)
        var issues = syntaxErrors.map {
            ValidationIssue(location: SourceLocation(file: file, line: $0.line, column: $0.column), path: "", message: $0.message)
        }
        guard let header = records.first else {
            issues.append(ValidationIssue(location: SourceLocation(file: file, line: 1, column: 1), path: "",
                                          message: "the file is empty: the first row names the columns (\(columns.joined(separator: ",")))"))
            return ([], issues)
        }
        guard let keys = readHeader(header, file: file, issues: &issues) else { return ([], issues) }
        var drafts: [DeviceDraft] = []
        drafts.reserveCapacity(records.count - 1)
        for record in records.dropFirst() {
            let location = SourceLocation(file: file, line: record.line, column: 1)
            if record.fields.count < keys.count || record.fields[keys.count...].contains(where: { !$0.text.isEmpty }) {
                issues.append(ValidationIssue(location: location, path: "",
                                              message: "the row has \(record.fields.count) cells, the header names \(keys.count) columns"))
                continue
            }
            var draft = DeviceDraft()
            draft.origins = FieldOrigins(record: location)
            for (key, field) in zip(keys, record.fields) {
                let text = field.text.trimmingSpaces
                guard !text.isEmpty else { continue }
                draft.set(key, text)
                draft.origins.set(key, SourceLocation(file: file, line: field.line, column: field.column))
            }
            drafts.append(draft)
        }
        return (drafts, issues)
    }

    /// The column of each header cell; `nil` (with issues) when a column is unknown, repeated or missing.
    private static func readHeader(_ header: CSVReader.Record, file: String, issues: inout [ValidationIssue]) -> [String]? {
        let before = issues.count
        var keys: [String] = []
        for field in header.fields {
            let name = field.text.trimmingSpaces.lowercased()
            let location = SourceLocation(file: file, line: header.line, column: field.column)
            if !columns.contains(name) {
                var message = "unknown column `\(name)`"
                if let guess = Spelling.closest(to: name, among: columns) { message += " (did you mean `\(guess)`?)" }
                issues.append(ValidationIssue(location: location, path: "", message: message + " (columns: \(columns.joined(separator: ", ")))"))
            } else if keys.contains(name) {
                issues.append(ValidationIssue(location: location, path: "", message: "column `\(name)` is named twice"))
            }
            keys.append(name)
        }
        for column in requiredColumns where !keys.contains(column) {
            issues.append(ValidationIssue(location: SourceLocation(file: file, line: header.line, column: 1), path: "",
                                          message: "the header has no `\(column)` column (required: \(requiredColumns.joined(separator: ", ")))"))
        }
        if !(keys.contains("building") || keys.contains("zone")) {
            issues.append(ValidationIssue(location: SourceLocation(file: file, line: header.line, column: 1), path: "",
                                          message: "the header needs a `building` or a `zone` column: where each device is mounted"))
        }
        return issues.count == before ? keys : nil
    }

    /// The line of the first byte sequence that is not UTF-8, if any.
    static func firstInvalidUTF8Line(_ bytes: [UInt8]) -> Int? {
        if String(validating: bytes, as: UTF8.self) != nil { return nil }
        var line = 1, start = 0
        for index in bytes.indices where bytes[index] == 0x0A || index == bytes.count - 1 {
            if String(validating: bytes[start...index], as: UTF8.self) == nil { return line }
            line += 1
            start = index + 1
        }
        return line
    }
}

extension DeviceDraft {
    /// Sets the field a CSV column (or a devices.yaml key) names.
    mutating func set(_ key: String, _ value: String) {
        switch key {
        case "id": id = value
        case "type": type = value
        case "community": community = value
        case "grid": grid = value
        case "building": building = value
        case "unit": unit = value
        case "floor": floor = value
        case "room": room = value
        case "zone": zone = value
        case "vendor": vendor = value
        case "model": model = value
        case "serial": serial = value
        case "installer": installer = value
        case "resident": resident = value
        case "report_interval": reportInterval = value
        case "state": state = value
        default: break
        }
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (what a spreadsheet cell may carry around its value).
    var trimmingSpaces: String {
        let utf8 = self.utf8
        guard let first = utf8.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return "" }
        let last = utf8.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })!
        if first == utf8.startIndex, last == utf8.index(before: utf8.endIndex) { return self }
        return String(self[first...last])
    }
}
