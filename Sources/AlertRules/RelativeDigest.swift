import DeviceModel

/// One message for the non-critical messages a relative's quiet hours held back: how many, about whom, and
/// which events (one SMS segment).
public enum RelativeDigest {
    /// The digest's body from the held messages' bodies (same recipient and channel, oldest first).
    public static func body(_ held: [[String: JSONValue]]) -> [String: JSONValue] {
        let first = held.first ?? [:]
        let params = held.map { body -> [String: JSONValue] in
            if case let .object(params)? = body["params"] { return params }
            return [:]
        }
        // The distinct events, first two cut to 8 characters: the digest stays one SMS segment.
        var titles: [String] = []
        for item in params {
            let title = String((item["event"]?.stringValue ?? "").prefix(8))
            if !title.isEmpty, !titles.contains(title) { titles.append(title) }
        }
        let events = titles.prefix(2).joined(separator: "、") + (titles.count > 2 ? "等" : "")
        let names = Set(params.compactMap { $0["name"]?.stringValue })
        return [
            "recipient": first["recipient"] ?? .null,
            "channel": first["channel"] ?? .null,
            "template_id": .string(RelativeMessageTemplate.digest.rawValue),
            "params": .object([
                "count": .string("\(held.count)"),
                "name": .string(names.count == 1 ? names.first! : "家人"),
                "events": .string(events),
            ]),
            "signature": first["signature"] ?? .null,
        ]
    }
}
