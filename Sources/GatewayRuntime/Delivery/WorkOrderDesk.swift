import AlertRules
import DeviceModel
import Foundation

/// The gateway's side of the grid work-order lifecycle: status reported back by the work-order system,
/// and supervision (督办) of work orders past their deadline.
public struct WorkOrderDesk: Sendable {
    let database: StoragePool
    let host: AlertEngineHost

    public struct StatusReply: Codable, Sendable, Equatable {
        public var externalID: String
        public var status: String
        public var alertState: String

        enum CodingKeys: String, CodingKey {
            case externalID = "external_id", status, alertState = "alert_state"
        }
    }

    public enum StatusError: Error, Equatable {
        case unknownWorkOrder
        case invalidStatus
    }

    /// Records a status update; `closed` resolves the alert (published like any resolution). Repeating a
    /// status is harmless; nothing moves a closed work order.
    /// `resolution`: what the grid system found when it closed the case (default 真实警情).
    public func update(externalID: String, status: WorkOrderStatus, workOrderID: String?, note: String?, actor: String,
                       resolution: ResolutionCategory? = nil, now: Int64) async throws -> StatusReply {
        let (reply, transitions) = try await host.commit { db, engine -> (StatusReply, [AlertTransition]) in
            let orders = WorkOrderStore()
            guard let current = try orders.status(of: externalID, in: db) else { throw StatusError.unknownWorkOrder }
            let alertState = engine.state.alerts[externalID]?.state.rawValue ?? "resolved"
            // Closed, or cancelled here (a false alarm): nothing moves it again.
            if current == WorkOrderStatus.closed.rawValue || current == "cancelled" {
                return (StatusReply(externalID: externalID, status: current, alertState: alertState), [])
            }
            try orders.record(status: status.rawValue, workOrderID: workOrderID, actor: actor, note: note, alertID: externalID,
                              now: now, in: db)
            var transitions: [AlertTransition] = []
            if status == .closed, engine.state.alerts[externalID] != nil {
                transitions.append(try engine.resolve(externalID, by: actor, note: note.flatMap { $0.isEmpty ? nil : $0 } ?? "工单已办结",
                                                      category: resolution ?? .genuine, now: now, fromWorkOrderSystem: true))
            }
            let state = transitions.first?.alert.state.rawValue ?? alertState
            return (StatusReply(externalID: externalID, status: status.rawValue, alertState: state), transitions)
        }
        if !transitions.isEmpty { host.outboxBell.ring() }
        return reply
    }

    /// Supervises (督办) work orders past their deadline and not closed: at the deadline, then every half
    /// deadline until closed, each notice once. Each tells the work-order system
    /// (`POST {workorder-url}/{external_id}/supervise`, key `wo:{id}:supervise:{n}`) and the console
    /// (`workorders/{community}/{alertId}`), and moves the alert one rung up the ladder, whose duty is told.
    /// Returns the alert ids supervised.
    @discardableResult
    public func superviseOverdue(now: Int64, notifyWorkOrderSystem: Bool) async throws -> [String] {
        let (supervised, _) = try await host.commit { [host] db, engine -> ([String], [AlertTransition]) in
            let overdue = try WorkOrderStore().takeOverdue(now: now, in: db)
            var transitions: [AlertTransition] = []
            for order in overdue {
                let (alertID, deadline) = (order.alertID, order.deadline)
                let notice: [String: JSONValue] = [
                    "external_id": .string(alertID),
                    "work_order_id": order.externalRef.map(JSONValue.string) ?? .null,
                    "status": .string(order.status),
                    "deadline_ms": .number(Double(deadline)),
                    "overdue_s": .number(Double((now - deadline) / 1000)),
                    "supervision": .string("督办"),
                    "supervision_count": .number(Double(order.supervision)),
                    "supervised_at": .number(Double(now)),
                ]
                let body = JSONResponse.encode(notice)
                if notifyWorkOrderSystem {
                    try DeliveryStore().enqueue(key: "wo:\(alertID):supervise:\(order.supervision)", target: .workOrder,
                                                kind: "workorder.supervise", alertID: alertID, path: "/\(alertID)/supervise",
                                                body: body, now: now, in: db)
                }
                try host.store.enqueue(topic: "workorders/\(order.community)/\(alertID)", payload: body, retain: false,
                                       at: now, in: db)
                if let transition = engine.supervise(alertID, count: order.supervision, now: now) { transitions.append(transition) }
            }
            return (overdue.map(\.alertID), transitions)
        }
        if !supervised.isEmpty {
            host.outboxBell.ring()
            host.deliveryBell.ring()
        }
        return supervised
    }
}
