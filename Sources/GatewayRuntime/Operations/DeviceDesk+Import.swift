import AlertRules
import DeviceModel
import Foundation

/// What an import did (or, on a dry run, would do).
public struct FleetImportReport: Sendable, Encodable {
    public var file: String
    public var dryRun: Bool
    public var rows: Int
    public var added: Int
    public var updated: Int
    public var unchanged: Int

    enum CodingKeys: String, CodingKey {
        case file, rows, added, updated, unchanged, dryRun = "dry_run"
    }
}

extension DeviceDesk {
    /// Imports a fleet (`gatewayd devices import`): every row validated as a registration is, then all of them applied
    /// in one transaction — registrations stored, the live registry and rule engine updated, one audit row — or,
    /// when any row fails, nothing (``ValidationFailure`` with every problem). Rows equal to their device as
    /// registered are counted as unchanged and not written again, so importing the same file twice changes nothing.
    /// A dry run validates against the live registry and reports the same counts without writing.
    public func importFleet(_ drafts: [DeviceDraft], file: String, dryRun: Bool, actor: String, now: Int64) async throws
        -> FleetImportReport {
        if dryRun {
            let plan = try FleetImportPlanner().plan(drafts, in: host.registry)
            return FleetImportReport(file: file, dryRun: true, rows: drafts.count, added: plan.added.count,
                                     updated: plan.updated.count, unchanged: plan.unchanged)
        }
        // Planned inside the transaction, against the engine's registry, so that no registration made meanwhile is
        // missed. A refused import returns (rather than throws) out of the transaction: nothing was changed, and a
        // throw would make the host rebuild its engine from the database.
        let (outcome, _) = try await host.commit { db, engine -> (Result<FleetImportReport, ValidationFailure>, [AlertTransition]) in
            let plan: FleetImportPlan
            do throws(ValidationFailure) {
                plan = try FleetImportPlanner().plan(drafts, in: engine.registry)
            } catch {
                return (.failure(error), [])
            }
            let report = FleetImportReport(file: file, dryRun: false, rows: drafts.count, added: plan.added.count,
                                           updated: plan.updated.count, unchanged: plan.unchanged)
            let changes = plan.changes
            let transitions = engine.upsert(devices: changes, now: now, actor: actor)
            let operations = OperationsStore()
            try operations.saveDevices(changes, by: actor, now: now, in: db)
            try operations.audit(actor: actor, action: "device.import", target: file,
                                 detail: "rows=\(report.rows) added=\(report.added) updated=\(report.updated) unchanged=\(report.unchanged)",
                                 now: now, in: db)
            return (.success(report), transitions)
        }
        return try outcome.get()
    }
}
