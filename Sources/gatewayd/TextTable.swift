/// A plain-text table with a header row and columns aligned by display width (Chinese characters take two
/// terminal columns).
struct TextTable {
    var headers: [String]
    var rows: [[String]] = []

    init(_ headers: String...) { self.headers = headers }

    mutating func add(_ cells: String...) { rows.append(cells) }

    func render() -> String {
        let all = [headers] + rows
        let widths = headers.indices.map { column in all.map { Self.displayWidth($0[column]) }.max() ?? 0 }
        return all.map { cells in
            cells.indices.map { column in
                column == cells.count - 1 ? cells[column] : Self.pad(cells[column], to: widths[column])
            }.joined(separator: "  ").trimmingTrailingSpaces
        }.joined(separator: "\n")
    }

    static func pad(_ text: String, to width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - displayWidth(text)))
    }

    /// Terminal columns `text` takes: East Asian wide and full-width characters count two.
    static func displayWidth(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { width, scalar in
            switch scalar.value {
            case 0x0300...0x036F, 0x200B...0x200F: width
            case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
                 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1FAFF,
                 0x20000...0x3FFFD: width + 2
            default: width + 1
            }
        }
    }
}

/// `key: value` lines with the keys aligned, for `show` commands.
struct DetailList {
    private var lines: [(String, String)] = []

    mutating func add(_ key: String, _ value: String?) {
        guard let value, !value.isEmpty else { return }
        lines.append((key, value))
    }

    func render() -> String {
        let width = lines.map { TextTable.displayWidth($0.0) }.max() ?? 0
        return lines.map { TextTable.pad($0.0 + ":", to: width + 1) + " " + $0.1 }.joined(separator: "\n")
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var text = Substring(self)
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
