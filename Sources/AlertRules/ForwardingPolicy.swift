/// Which alerts leave the gateway, and how: grid work orders per rule, relatives' messages by preference.
public struct ForwardingPolicy: Sendable, Hashable, Codable {
    /// Work-order settings by rule id. Rules not listed here create no work order.
    public var workOrders: [String: WorkOrderPolicy]
    /// At most this many messages to one recipient per hour; further ones are recorded as rate-limited.
    public var messagesPerRecipientPerHour: Int
    /// SMS signature (短信签名) the templates start with.
    public var smsSignature: String
    /// Relatives' quiet hours (local time): non-critical messages wait for their end and go out as one digest.
    /// `nil` = none. Critical alerts are never held.
    public var quietHours: ActiveWindow?
    /// A delivery still failing this long after it was queued stops being retried: `expired`, counted, visible.
    public var retryHorizonSeconds: Int

    public init(workOrders: [String: WorkOrderPolicy] = [:], messagesPerRecipientPerHour: Int = 6,
                smsSignature: String = "【智慧社区】", quietHours: ActiveWindow? = ForwardingPolicy.defaultQuietHours,
                retryHorizonSeconds: Int = 86_400) {
        self.workOrders = workOrders
        self.messagesPerRecipientPerHour = messagesPerRecipientPerHour
        self.smsSignature = smsSignature
        self.quietHours = quietHours
        self.retryHorizonSeconds = retryHorizonSeconds
    }

    /// 22:00–07:00 local.
    public static let defaultQuietHours = ActiveWindow(fromMinute: 22 * 60, toMinute: 7 * 60, days: .all)
}

/// How an alert of one rule becomes a grid work order (网格化管理 案件).
public struct WorkOrderPolicy: Sendable, Hashable, Codable {
    /// Event category code of the work-order system (in the spirit of GB/T 30428 classification).
    public var categoryCode: String
    /// Category name, e.g. 消防通道占用.
    public var category: String
    public var urgency: Urgency
    /// 处置时限: time from report to closure before the case is supervised (督办).
    public var deadlineSeconds: Int

    public enum Urgency: String, Sendable, Hashable, Codable, CaseIterable {
        case normal
        case urgent
        case critical
    }

    public init(categoryCode: String, category: String, urgency: Urgency, deadlineSeconds: Int) {
        self.categoryCode = categoryCode
        self.category = category
        self.urgency = urgency
        self.deadlineSeconds = deadlineSeconds
    }
}

/// The lifecycle of a grid work order as the work-order system reports it: 上报 → 受理 → 派遣 → 处置 → 办结.
public enum WorkOrderStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// 上报: created by the gateway, not yet acknowledged by the work-order system.
    case reported
    /// 受理
    case accepted
    /// 派遣
    case dispatched
    /// 处置
    case inProgress = "in_progress"
    /// 办结: closing the work order resolves the alert.
    case closed

    /// Accepts the English codes and the Chinese terms of the grid system.
    public init?(reported text: String) {
        switch text {
        case "accepted", "受理": self = .accepted
        case "dispatched", "派遣": self = .dispatched
        case "in_progress", "处置", "处置中": self = .inProgress
        case "closed", "办结", "结案": self = .closed
        default: return nil
        }
    }
}
