import DeviceModel
import GatewayRuntime

/// Printing an alert for people.
enum AlertText {
    static func details(_ alert: AlertPayload) -> String {
        var list = DetailList()
        list.add("id", alert.id)
        list.add("title", alert.title)
        list.add("severity", alert.severity)
        list.add("state", alert.state + (alert.flapping ? " (flapping)" : ""))
        list.add("escalation", alert.escalationLevel)
        list.add("rule", alert.rule)
        list.add("device", alert.device)
        list.add("community", alert.community)
        list.add("grid", alert.grid)
        list.add("location", alert.location.summary)
        list.add("resident", alert.resident)
        list.add("reading", reading(alert.reading))
        list.add("opened", LocalTime.text(alert.openedAt))
        list.add("last seen", alert.count > 1 ? "\(LocalTime.text(alert.lastSeenAt)) (\(alert.count) times)" : nil)
        list.add("updated", LocalTime.text(alert.updatedAt))
        list.add("acknowledged", alert.acknowledgedAt.map { "\(LocalTime.text($0)) by \(alert.acknowledgedBy ?? "-")" })
        list.add("resolved", alert.resolvedAt.map { "\(LocalTime.text($0)) by \(alert.resolvedBy ?? "-")" })
        list.add("note", alert.note)
        return list.render()
    }

    /// What triggered the alert: `heart_rate 135`, `event fall_detected`, `event gas_alarm level=2`.
    static func reading(_ reading: [String: JSONValue]) -> String? {
        guard !reading.isEmpty else { return nil }
        if case let .string(metric)? = reading["metric"], let value = reading["value"] {
            return "\(metric) \(text(value))"
        }
        if case let .string(event)? = reading["event"] {
            let rest = reading.filter { $0.key != "event" }.sorted { $0.key < $1.key }.map { "\($0.key)=\(text($0.value))" }
            return (["event \(event)"] + rest).joined(separator: " ")
        }
        return reading.sorted { $0.key < $1.key }.map { "\($0.key)=\(text($0.value))" }.joined(separator: " ")
    }

    private static func text(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case let .bool(flag): flag ? "true" : "false"
        case let .number(number): number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case let .integer(number): String(number)
        case let .string(string): string
        case let .array(items): "[" + items.map(text).joined(separator: ", ") + "]"
        case let .object(fields): "{" + fields.sorted { $0.key < $1.key }.map { "\($0.key)=\(text($0.value))" }.joined(separator: " ") + "}"
        }
    }
}
