import AlertRules
import Foundation

/// `GET /api/v1/alerts/{id}/timeline`: everything that happened to one alert, oldest first — its
/// transitions (opened, escalated, notified, acknowledged, resolved), the grid work order with the status
/// the work-order system reported and its 督办 (supervisions), and each delivery (work order, relatives'
/// and duty messages) with its state. Phone numbers and names are masked.
struct AlertTimeline: Encodable, Sendable {
    struct Delivery: Encodable, Sendable {
        var target, kind, state: String
        var recipient: String?
        var attempts: Int
        var createdAt: Int64
        var deliveredAt: Int64?

        enum CodingKeys: String, CodingKey {
            case target, kind, state, recipient, attempts, createdAt = "created_at", deliveredAt = "delivered_at"
        }
    }

    var alert: ConsoleAlert
    var transitions: [AlertHistoryEntry]
    var workOrder: ConsoleQueries.WorkOrder?
    var deliveries: [Delivery]
    /// Whether `GET /api/v1/alerts/{id}/snapshot` has an image.
    var snapshot: Bool

    enum CodingKeys: String, CodingKey {
        case alert, transitions, deliveries, snapshot, workOrder = "work_order"
    }

    init(alert: Alert, history: [RecordQueries.AlertHistoryStep], followUp: (workOrder: ConsoleQueries.WorkOrder?, deliveries: [ConsoleQueries.Delivery]),
         snapshot: Bool, presenter: ConsolePresenter) {
        self.alert = presenter.present(alert)
        transitions = history.map { step in
            AlertHistoryEntry(kind: step.kind, actor: step.actor, reason: step.reason, at: step.at, state: step.state,
                              escalationLevel: step.escalationLevel?.name ?? "grid")
        }
        workOrder = followUp.workOrder
        deliveries = followUp.deliveries.map { delivery in
            Delivery(target: delivery.target, kind: delivery.kind, state: delivery.state,
                     recipient: presenter.recipient(delivery.recipient, of: alert), attempts: delivery.attempts,
                     createdAt: delivery.createdAt, deliveredAt: delivery.deliveredAt)
        }
        self.snapshot = snapshot
    }
}
