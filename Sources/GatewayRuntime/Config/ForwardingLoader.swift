import AlertRules
import DeviceModel
import Foundation

/// Reads `forwarding:` (work orders per rule, relatives' message limits) and `api_tokens:`.
///
/// - `forwarding.work_orders[]`: `rule`, `category_code`, `category` (Chinese), `urgency`
///   (`normal`|`urgent`|`critical`), `deadline` (处置时限, a duration such as `30m` or `4h`).
/// - `forwarding.messages_per_recipient_per_hour` (default 6; critical alerts and duty staff are never limited),
///   `forwarding.sms_signature` (default 【智慧社区】), `forwarding.quiet_hours` (`{from, to}` local, default
///   22:00–07:00, or `off`: relatives' non-critical messages wait and go out as one digest),
///   `forwarding.retry_horizon` (default 24h: a delivery still failing after it is `expired`).
/// - `api_tokens[]`: `id` (who holds it), `role` (`installer`|`operator`|`workorder`|`admin`), `sha256`
///   (64 hex digits of the token's SHA-256; `gatewayd hash-token` prints it).
enum ForwardingLoader {
    static func read(_ top: YAMLRecord, ruleBook: RuleBook, issues: inout [ValidationIssue]) -> (ForwardingPolicy, [APIToken]) {
        var policy = ForwardingPolicy()
        if let node = top.values["forwarding"],
           let record = YAMLRecord(node, file: top.file, path: "forwarding",
                                   allowedKeys: ["work_orders", "messages_per_recipient_per_hour", "sms_signature", "quiet_hours",
                                                 "retry_horizon"], issues: &issues) {
            if let node = record.values["quiet_hours"] {
                if let text = node.scalar?.string, ["off", "none", "false"].contains(text) {
                    policy.quietHours = nil
                } else if let quiet = YAMLRecord(node, file: top.file, path: "forwarding.quiet_hours", allowedKeys: ["from", "to"], issues: &issues) {
                    var window = ActiveWindow()
                    for key in ["from", "to"] {
                        guard let text = quiet.scalar(key, issues: &issues) else {
                            issues.append(quiet.issue(key, "`\(key)` is required (local HH:MM)"))
                            continue
                        }
                        guard let minute = RuleBookValidator.minuteOfDay(text) else {
                            issues.append(quiet.issue(key, "expected a local time HH:MM, found \"\(text)\""))
                            continue
                        }
                        if key == "from" { window.fromMinute = minute } else { window.toMinute = minute }
                    }
                    policy.quietHours = window
                }
            }
            policy.retryHorizonSeconds = record.duration("retry_horizon", issues: &issues) ?? policy.retryHorizonSeconds
            if let text = record.scalar("messages_per_recipient_per_hour", issues: &issues) {
                if let value = Int(text), value >= 1 { policy.messagesPerRecipientPerHour = value } else {
                    issues.append(record.issue("messages_per_recipient_per_hour", "expected a whole number of at least 1"))
                }
            }
            if let signature = record.scalar("sms_signature", issues: &issues) { policy.smsSignature = signature }
            for (index, node) in record.sequence("work_orders", issues: &issues).enumerated() {
                guard let entry = YAMLRecord(node, file: top.file, path: "forwarding.work_orders[\(index)]",
                                             allowedKeys: ["rule", "category_code", "category", "urgency", "deadline"], issues: &issues)
                else { continue }
                let before = issues.count
                let rule = entry.scalar("rule", issues: &issues)
                if let rule, ruleBook.rule(rule) == nil { issues.append(entry.issue("rule", "unknown rule \"\(rule)\"")) }
                if rule == nil { issues.append(entry.issue("rule", "`rule` is required")) }
                if let rule, policy.workOrders[rule] != nil { issues.append(entry.issue("rule", "rule \"\(rule)\" already has a work order")) }
                let code = entry.scalar("category_code", issues: &issues)
                if code == nil { issues.append(entry.issue("category_code", "`category_code` is required")) }
                let category = entry.scalar("category", issues: &issues)
                if category == nil { issues.append(entry.issue("category", "`category` is required")) }
                var urgency = WorkOrderPolicy.Urgency.normal
                if let text = entry.scalar("urgency", issues: &issues) {
                    if let value = WorkOrderPolicy.Urgency(rawValue: text) { urgency = value } else {
                        issues.append(entry.issue("urgency", "unknown urgency \"\(text)\" (expected one of: normal, urgent, critical)"))
                    }
                }
                let deadline = entry.duration("deadline", issues: &issues)
                if deadline == nil, entry.values["deadline"] == nil { issues.append(entry.issue("deadline", "`deadline` (处置时限) is required")) }
                if issues.count == before, let rule, let code, let category, let deadline {
                    policy.workOrders[rule] = WorkOrderPolicy(categoryCode: code, category: category, urgency: urgency, deadlineSeconds: deadline)
                }
            }
        }
        var tokens: [APIToken] = []
        for (index, node) in top.sequence("api_tokens", issues: &issues).enumerated() {
            guard let entry = YAMLRecord(node, file: top.file, path: "api_tokens[\(index)]", allowedKeys: ["id", "role", "sha256"], issues: &issues)
            else { continue }
            let before = issues.count
            let id = entry.scalar("id", issues: &issues)
            if id == nil { issues.append(entry.issue("id", "`id` is required")) }
            let roleText = entry.scalar("role", issues: &issues)
            let role = roleText.flatMap(APIToken.Role.init(rawValue:))
            if role == nil {
                issues.append(entry.issue("role", "expected one of: \(APIToken.Role.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            let hex = entry.scalar("sha256", issues: &issues) ?? ""
            let digest = hexBytes(hex)
            if digest?.count != 32 { issues.append(entry.issue("sha256", "expected the 64 hex digits of the token's SHA-256 (never the token itself)")) }
            if let id, tokens.contains(where: { $0.id == id }) { issues.append(entry.issue("id", "duplicate token id \"\(id)\"")) }
            if issues.count == before, let id, let role, let digest { tokens.append(APIToken(id: id, role: role, sha256: digest)) }
        }
        return (policy, tokens)
    }

    private static func hexBytes(_ text: String) -> [UInt8]? {
        let characters = Array(text.lowercased())
        guard characters.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: characters.count, by: 2) {
            guard let byte = UInt8(String(characters[index...index + 1]), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
