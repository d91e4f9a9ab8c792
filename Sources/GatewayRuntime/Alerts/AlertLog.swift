import AlertRules
import Logging

/// Operator-facing log lines for alert transitions: ids, rule, device and level only — never readings,
/// names or notes.
enum AlertLog {
    static func log(_ transitions: [AlertTransition], logger: Logger) {
        for transition in transitions {
            let alert = transition.alert
            let metadata: Logger.Metadata = [
                "alert.id": "\(alert.id)", "alert.rule": "\(alert.rule)", "device.id": "\(alert.device)",
                "alert.severity": "\(alert.severity.rawValue)", "alert.level": "\(alert.escalationLevel.name)",
                "alert.actor": "\(transition.actor)",
            ]
            switch transition.kind {
            case .opened: logger.notice("alert opened", metadata: metadata)
            case .updated: logger.debug("alert updated", metadata: metadata)
            case .acknowledged: logger.info("alert acknowledged", metadata: metadata)
            case .escalated: logger.warning("alert escalated", metadata: metadata)
            case .reminded: logger.warning("alert acknowledged but unresolved; reminded", metadata: metadata)
            case .resolved: logger.info("alert resolved", metadata: metadata)
            }
        }
    }
}
