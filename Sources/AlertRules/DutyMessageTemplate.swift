/// The messages duty staff receive (SMS, WeChat, or read out by a voice call — 语音外呼 — from the same
/// registered template): where, what, since when, and what is asked of them. The room is given (they must go
/// there); the resident's name is masked; no health values.
public enum DutyMessageTemplate: String, Sendable, Hashable, Codable, CaseIterable {
    /// 接警: the alert opened at the grid.
    case alert = "DUTY_ALERT_V1"
    /// 升级: nobody took it (or it stayed unresolved): now this level's.
    case escalated = "DUTY_ESCALATED_V1"
    /// 提醒: acknowledged but still unresolved.
    case reminder = "DUTY_REMINDER_V1"
    /// 督办: its work order is past the deadline.
    case supervised = "DUTY_SUPERVISED_V1"

    public var text: String {
        switch self {
        case .alert: "{level}接警：{place}{time}发生{event}{who}，请立即处置，回复1确认。"
        case .escalated: "升级至{level}：{place}{time}的{event}{who}已{minutes}分钟未处置完毕，请立即跟进。"
        case .reminder: "提醒：{place}的{event}已确认{minutes}分钟仍未办结，请尽快处置并结案。"
        case .supervised: "督办（第{count}次）：{place}的{event}工单已超时未办结，请{level}立即处置。"
        }
    }
}
