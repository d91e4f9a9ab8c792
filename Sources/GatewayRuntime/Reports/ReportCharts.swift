import Foundation

/// Inline SVG charts for the HTML report: static markup (no scripts), sized in a viewBox so they scale to the
/// page and print crisply. Labels are escaped.
enum ReportCharts {
    static let ink = "#1f2933", grid = "#d9dee3", accent = "#c0392b", second = "#2d6da3", good = "#2e7d32"

    /// Alerts per day: columns with the daily count, the previous period's daily average as a dashed line.
    static func daily(_ days: [KeyCount], previousAverage: Double?) -> String {
        let width = 760.0, height = 220.0, left = 36.0, bottom = 28.0, top = 12.0
        let scale = axisMaximum(max(Double(days.map(\.count).max() ?? 0), previousAverage ?? 0))
        let slot = (width - left - 8) / Double(max(1, days.count))
        var svg = open(width, height, "每日告警数")
        for step in 0...4 {
            let value = scale * Double(step) / 4
            let y = top + (height - top - bottom) * (1 - Double(step) / 4)
            svg += line(left, y, width - 8, y, grid)
            svg += text(left - 4, y + 4, number(value), anchor: "end", size: 10)
        }
        for (index, day) in days.enumerated() {
            let h = (height - top - bottom) * Double(day.count) / scale
            let x = left + slot * Double(index) + slot * 0.15
            svg += rect(x, height - bottom - h, slot * 0.7, h, accent)
            if index % max(1, days.count / 10) == 0 || index == days.count - 1 {
                svg += text(x + slot * 0.35, height - bottom + 14, String(day.key.suffix(5)), anchor: "middle", size: 10)
            }
        }
        if let previousAverage {
            let y = top + (height - top - bottom) * (1 - previousAverage / scale)
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(width - 8))\" y2=\"\(f(y))\" stroke=\"\(second)\" stroke-dasharray=\"6 4\" stroke-width=\"1.5\"/>"
            // The legend sits in the top right corner, clear of the columns.
            svg += "<line x1=\"\(f(width - 150))\" y1=\"\(f(top + 2))\" x2=\"\(f(width - 126))\" y2=\"\(f(top + 2))\" stroke=\"\(second)\" "
                + "stroke-dasharray=\"6 4\" stroke-width=\"1.5\"/>"
            svg += text(width - 120, top + 6, "上期日均 \(String(format: "%.1f", previousAverage))", size: 11, color: second)
        }
        return svg + "</svg>"
    }

    /// MTTA and MTTR distribution: two columns per duration bucket.
    static func distribution(ack: [DurationBucket], resolve: [DurationBucket]) -> String {
        let width = 760.0, height = 220.0, left = 36.0, bottom = 40.0, top = 12.0
        let maximum = axisMaximum(Double((ack + resolve).map(\.count).max() ?? 0))
        let slot = (width - left - 8) / Double(max(1, ack.count))
        var svg = open(width, height, "响应与处置用时分布")
        for step in 0...4 {
            let y = top + (height - top - bottom) * (1 - Double(step) / 4)
            svg += line(left, y, width - 8, y, grid)
            svg += text(left - 4, y + 4, number(maximum * Double(step) / 4), anchor: "end", size: 10)
        }
        for (index, bucket) in ack.enumerated() {
            let x = left + slot * Double(index)
            let resolved = index < resolve.count ? resolve[index].count : 0
            for (offset, value, color) in [(0.12, bucket.count, second), (0.5, resolved, accent)] {
                let h = (height - top - bottom) * Double(value) / maximum
                svg += rect(x + slot * offset, height - bottom - h, slot * 0.36, h, color)
                if value > 0 { svg += text(x + slot * (offset + 0.18), height - bottom - h - 3, "\(value)", anchor: "middle", size: 9) }
            }
            svg += text(x + slot * 0.5, height - bottom + 14, bucket.bucket, anchor: "middle", size: 11)
        }
        svg += rect(left, height - 14, 10, 10, second) + text(left + 14, height - 5, "确认用时 (MTTA)", size: 11)
        svg += rect(left + 140, height - 14, 10, 10, accent) + text(left + 154, height - 5, "办结用时 (MTTR)", size: 11)
        return svg + "</svg>"
    }

    /// Horizontal bars of a share (0…1) per label, with the value printed at the bar's end; `target` draws a
    /// dashed reference line (e.g. 95 %).
    static func shares(_ rows: [(label: String, value: Double?, note: String)], title: String, target: Double? = nil) -> String {
        let width = 760.0, rowHeight = 30.0, left = 190.0, right = 150.0
        let height = rowHeight * Double(max(1, rows.count)) + 26
        let span = width - left - right
        var svg = open(width, height, title)
        for step in 0...4 {
            let x = left + span * Double(step) / 4
            svg += line(x, 4, x, height - 20, grid)
            svg += text(x, height - 6, "\(step * 25)%", anchor: "middle", size: 10)
        }
        for (index, row) in rows.enumerated() {
            let y = 6 + rowHeight * Double(index)
            svg += text(left - 8, y + rowHeight * 0.55, row.label, anchor: "end", size: 12)
            if let value = row.value {
                let color = target.map { value >= $0 ? good : accent } ?? second
                svg += rect(left, y + 5, span * max(0, min(1, value)), rowHeight - 12, color)
                svg += text(left + span * max(0, min(1, value)) + 6, y + rowHeight * 0.55,
                            "\(percent(value))  \(row.note)", size: 11)
            } else {
                svg += text(left + 6, y + rowHeight * 0.55, "无数据  \(row.note)", size: 11, color: "#7b8794")
            }
        }
        if let target {
            let x = left + span * target
            svg += "<line x1=\"\(f(x))\" y1=\"2\" x2=\"\(f(x))\" y2=\"\(f(height - 20))\" stroke=\"\(ink)\" stroke-dasharray=\"4 3\"/>"
        }
        return svg + "</svg>"
    }

    static func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }

    private static func open(_ width: Double, _ height: Double, _ title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"\(ReportHTML.escape(title))\">"
    }

    private static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ color: String) -> String {
        "<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(color)\" stroke-width=\"1\"/>"
    }

    private static func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ color: String) -> String {
        "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(max(0, w)))\" height=\"\(f(max(0, h)))\" fill=\"\(color)\"/>"
    }

    private static func text(_ x: Double, _ y: Double, _ content: String, anchor: String = "start", size: Int, color: String = ink) -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(size)\" text-anchor=\"\(anchor)\" fill=\"\(color)\">\(ReportHTML.escape(content))</text>"
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    private static func number(_ value: Double) -> String {
        value.rounded() == value ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// The top of a count axis with four whole-number steps: 4 × (1, 2 or 5 × 10ⁿ), at least `value`.
    static func axisMaximum(_ value: Double) -> Double {
        let quarter = max(1, value / 4)
        let magnitude = pow(10, floor(log10(quarter)))
        for step in [1.0, 2.0, 5.0, 10.0] where step * magnitude >= quarter { return 4 * step * magnitude }
        return 40 * magnitude
    }
}
