import AlertRules
import Foundation

/// Operator actions on alerts (acknowledge, resolve), shared by the MQTT console commands and the HTTP API.
public struct AlertDesk: Sendable {
    let database: StoragePool
    let host: AlertEngineHost

    public enum Action: String, Sendable {
        case acknowledge = "ack"
        case resolve
    }

    public enum Failure: Error, Equatable {
        case notFound
        case command(AlertCommandError)
    }

    /// Applies `action` to an open alert; `community`, when given, must be the alert's.
    public func perform(_ action: Action, alertID: String, community: String?, actor: String, note: String?,
                        category: ResolutionCategory? = nil, now: Int64) async throws -> AlertTransition {
        let (transition, _) = try await host.commit { db, engine -> (AlertTransition, [AlertTransition]) in
            guard let alert = engine.state.alerts[alertID], community == nil || alert.community == community else {
                throw Failure.notFound
            }
            let transition: AlertTransition
            do throws(AlertCommandError) {
                switch action {
                case .acknowledge: transition = try engine.acknowledge(alertID, by: actor, note: note, now: now)
                case .resolve:
                    guard let category else { throw AlertCommandError.categoryRequired }
                    transition = try engine.resolve(alertID, by: actor, note: note ?? "", category: category, now: now)
                }
            } catch {
                throw Failure.command(error)
            }
            try OperationsStore().audit(actor: actor, action: "alert.\(action.rawValue)", target: alertID,
                                        detail: category.map { "resolution: \($0.rawValue)" }, now: now, in: db)
            return (transition, [transition])
        }
        return transition
    }
}
