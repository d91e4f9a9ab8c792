/// The messages relatives receive, as template ids with parameters (SMS providers require registered
/// templates). Chinese, one SMS segment (70 characters with the signature), names and places masked,
/// no health values: the relative needs to know what happened and that the community is on it.
public enum RelativeMessageTemplate: String, Sendable, Hashable, Codable, CaseIterable {
    /// 告警通知: "您的家人张*华（幸福里社区3幢）11-23 14:05触发跌倒报警，社区已在处理，请尽快联系确认。"
    case alert = "ELDER_ALERT_V1"
    /// 升级通知: still unhandled, escalated.
    case escalated = "ELDER_ESCALATED_V1"
    /// 已处理: the alert was resolved.
    case resolved = "ELDER_RESOLVED_V1"
    /// 夜间汇总: non-critical messages held during quiet hours, sent as one after them.
    case digest = "ELDER_DIGEST_V1"

    /// The template text as registered with the SMS provider; `{name}`-style placeholders.
    public var text: String {
        switch self {
        case .alert: "您的家人{name}（{place}）{time}触发{event}，社区已在处理，请尽快联系确认。"
        case .escalated: "{name}（{place}）的{event}尚未处理完毕，已升级由{level}跟进，请留意来电。"
        case .resolved: "{name}（{place}）{time}的{event}已处理完毕。如有疑问请联系社区。"
        case .digest: "夜间共有{count}条关于{name}的提醒：{events}。社区已在跟进，详情请联系社区。"
        }
    }

    /// The text with `params` filled in, preceded by the signature: what the relative reads.
    public func render(_ params: [String: String], signature: String) -> String {
        var text = self.text
        for (key, value) in params { text = text.replacingOccurrences(of: "{\(key)}", with: value) }
        return signature + text
    }

    /// One SMS segment of UCS-2 text (Chinese): 70 characters.
    public static let singleSegmentLength = 70
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

extension Substring {
    fileprivate func range(of target: String) -> Range<Substring.Index>? {
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(target) { return index..<self.index(index, offsetBy: target.count) }
            index = self.index(after: index)
        }
        return nil
    }
}
