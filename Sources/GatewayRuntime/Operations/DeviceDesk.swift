import AlertRules
import DeviceModel
import Foundation

/// Registering, changing, decommissioning devices and their maintenance windows at run time. Every change
/// is validated exactly as devices.yaml is, persisted, applied to the live registry and rule engine in one
/// transaction, and written to the audit log.
public struct DeviceDesk: Sendable {
    let database: StoragePool
    let host: AlertEngineHost
    private let operations = OperationsStore()

    /// Registers a new device (`replacing == nil`) or replaces the record of `replacing`.
    public func save(_ draft: DeviceDraft, replacing: String?, actor: String, now: Int64) async throws -> Device {
        let device = try RegistryValidator().validateDevice(draft, in: host.registry, replacing: replacing)
        if let replacing, device.id != replacing {
            throw ValidationFailure(issues: [ValidationIssue(location: nil, path: "device.id", message: "the id of a device cannot change")])
        }
        try await apply(device, action: replacing == nil ? "device.register" : "device.update", actor: actor, now: now)
        return device
    }

    public func decommission(_ id: String, actor: String, now: Int64) async throws -> Device? {
        guard var device = host.registry.device(id) else { return nil }
        device.state = .decommissioned
        try await apply(device, action: "device.decommission", actor: actor, now: now)
        return device
    }

    private func apply(_ device: Device, action: String, actor: String, now: Int64) async throws {
        _ = try await host.commit { [operations] db, engine -> ((), [AlertTransition]) in
            // Checked again inside the transaction: another registration may have won the race.
            if action == "device.register", engine.registry.device(device.id) != nil {
                throw ValidationFailure(issues: [ValidationIssue(location: nil, path: "device.id",
                                                                 message: "duplicate device id \"\(device.id)\"")])
            }
            let transitions = engine.upsert(device: device, now: now, actor: actor)
            try operations.saveDevice(device, by: actor, now: now, in: db)
            try operations.audit(actor: actor, action: action, target: device.id, detail: "state=\(device.state.rawValue)", now: now, in: db)
            return ((), transitions)
        }
    }

    /// Puts a device into maintenance until `until`: its rules open no alerts meanwhile.
    public func startMaintenance(_ id: String, until: Int64, reason: String, actor: String, now: Int64) async throws -> Silence? {
        guard host.registry.device(id) != nil else { return nil }
        let silence = Silence(id: "maintenance-\(id)", target: .device(id), from: now, until: until, reason: reason, createdBy: actor)
        try await changeSilences(actor: actor, action: "device.maintenance.start", target: id, now: now) { db in
            try operations.saveSilence(silence, now: now, in: db)
        }
        return silence
    }

    public func endMaintenance(_ id: String, actor: String, now: Int64) async throws -> Bool {
        guard host.registry.device(id) != nil else { return false }
        try await changeSilences(actor: actor, action: "device.maintenance.end", target: id, now: now) { db in
            try operations.deleteSilence("maintenance-\(id)", in: db)
        }
        return true
    }

    /// The device's maintenance window, if one is in force or to come.
    public func maintenance(_ id: String, now: Int64) -> Silence? {
        host.silences.first { $0.id == "maintenance-\(id)" && $0.until > now }
    }

    private func changeSilences(actor: String, action: String, target: String, now: Int64,
                                _ change: @escaping @Sendable (StorageConnection) throws -> Void) async throws {
        _ = try await host.commit { [host, operations] db, engine -> ((), [AlertTransition]) in
            try change(db)
            engine.update(silences: host.configuredSilences + (try operations.silences(now: now, in: db)))
            try operations.audit(actor: actor, action: action, target: target, detail: nil, now: now, in: db)
            return ((), [])
        }
    }
}
