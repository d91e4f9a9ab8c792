import AlertRules
import DeviceModel
import Foundation
import Hummingbird

/// `/api/v1/devices`: list (filters `community`, `type`, `state`, `online`), get, register, update,
/// decommission, maintenance. Reads: roles installer and operator; changes: installer.
extension GatewayAPI {
    func addDeviceRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/api/v1/devices") { request, _ in
            _ = try auth.authenticate(request, allowing: [.installer, .operator])
            let (limit, offset) = try page(request)
            let query = request.uri.queryParameters
            let states = try deviceStates()
            var devices = host.registry.sortedDevices
            if let community = query.get("community") { devices.removeAll { $0.community != community } }
            if let type = query.get("type") {
                guard DeviceType(rawValue: type) != nil else { throw APIError(.badRequest, code: "invalid_type", message: "unknown device type") }
                devices.removeAll { $0.type.rawValue != type }
            }
            if let state = query.get("state") {
                guard CommissioningState(rawValue: state) != nil else {
                    throw APIError(.badRequest, code: "invalid_state", message: "state must be registered, commissioned or decommissioned")
                }
                devices.removeAll { $0.state.rawValue != state }
            }
            if let online = query.get("online") {
                guard let wanted = ["true": true, "false": false][online] else {
                    throw APIError(.badRequest, code: "invalid_online", message: "online must be true or false")
                }
                devices.removeAll { (states[$0.id]?.online ?? false) != wanted }
            }
            let now = clock()
            let low = try lowBattery()
            let items = devices.dropFirst(offset).prefix(limit).map { device in
                var view = DeviceView(device, state: states[device.id], maintenance: self.devices.maintenance(device.id, now: now))
                view.batteryLow = low.contains(device.id)
                view.communityName = host.registry.communities[device.community]?.name
                return view
            }
            return JSONResponse.response(Page(items: Array(items), total: devices.count, limit: limit, offset: offset))
        }
        router.get("/api/v1/devices/{id}") { request, context in
            _ = try auth.authenticate(request, allowing: [.installer, .operator])
            let id = try identifier(context, "id")
            guard let device = host.registry.device(id) else { throw APIError(.notFound, code: "not_found", message: "no such device") }
            return JSONResponse.response(DeviceView(device, state: try deviceState(id), maintenance: devices.maintenance(id, now: clock())))
        }
        router.post("/api/v1/devices") { request, _ in
            let token = try auth.authenticate(request, allowing: [.installer])
            let draft: DeviceDraft = try await decodeBody(request)
            let device = try await saving { try await devices.save(draft, replacing: nil, actor: token.id, now: clock()) }
            return JSONResponse.response(DeviceView(device, state: nil, maintenance: nil), status: .created)
        }
        router.put("/api/v1/devices/{id}") { request, context in
            let token = try auth.authenticate(request, allowing: [.installer])
            let id = try identifier(context, "id")
            guard host.registry.device(id) != nil else { throw APIError(.notFound, code: "not_found", message: "no such device") }
            var draft: DeviceDraft = try await decodeBody(request)
            if draft.id == nil { draft.id = id }
            let device = try await saving { try await devices.save(draft, replacing: id, actor: token.id, now: clock()) }
            return JSONResponse.response(DeviceView(device, state: try deviceState(id), maintenance: nil))
        }
        router.delete("/api/v1/devices/{id}") { request, context in
            let token = try auth.authenticate(request, allowing: [.installer])
            let id = try identifier(context, "id")
            guard let device = try await devices.decommission(id, actor: token.id, now: clock()) else {
                throw APIError(.notFound, code: "not_found", message: "no such device")
            }
            return JSONResponse.response(DeviceView(device, state: try deviceState(id), maintenance: nil))
        }
        router.put("/api/v1/devices/{id}/maintenance") { request, context in
            let token = try auth.authenticate(request, allowing: [.installer])
            let id = try identifier(context, "id")
            let body: MaintenanceRequest = try await decodeBody(request)
            guard let seconds = DurationText.seconds(body.duration), seconds <= 30 * 86_400 else {
                throw APIError(.badRequest, code: "invalid_duration", message: "duration must be like 30m, 4h or 2d, at most 30d")
            }
            let now = clock()
            guard let silence = try await devices.startMaintenance(id, until: now + Int64(seconds) * 1000, reason: body.reason ?? "",
                                                                  actor: token.id, now: now) else {
                throw APIError(.notFound, code: "not_found", message: "no such device")
            }
            return JSONResponse.response(MaintenanceView(device: id, from: silence.from, until: silence.until, reason: silence.reason, by: silence.createdBy))
        }
        router.delete("/api/v1/devices/{id}/maintenance") { request, context in
            let token = try auth.authenticate(request, allowing: [.installer])
            let id = try identifier(context, "id")
            guard try await devices.endMaintenance(id, actor: token.id, now: clock()) else {
                throw APIError(.notFound, code: "not_found", message: "no such device")
            }
            return Response(status: .noContent)
        }
    }

    /// Validation failures become 422 with every issue, in the same words `gatewayd check` uses.
    private func saving(_ body: () async throws -> Device) async throws -> Device {
        do {
            return try await body()
        } catch let failure as ValidationFailure {
            throw ValidationError(issues: failure.issues)
        }
    }

    /// Devices with an unresolved alert of a battery rule (a `battery` threshold or a `low_battery` event).
    private func lowBattery() throws -> Set<String> {
        let rules = host.configuration.ruleBook.rules.filter { rule in
            switch rule.condition {
            case let .threshold(bound), let .sustained(bound, _): bound.metric == "battery"
            case let .event(match, _): match.names.contains("low_battery")
            default: false
            }
        }.map(\.id)
        return try queries.devicesWithOpenAlerts(rules: rules)
    }

    private func deviceStates() throws -> [String: DeviceView.Live] {
        try queries.deviceStates().mapValues { DeviceView.Live(online: $0.online, lastSeenAt: $0.lastSeenAt) }
    }

    private func deviceState(_ id: String) throws -> DeviceView.Live? {
        try queries.deviceState(id).map { DeviceView.Live(online: $0.online, lastSeenAt: $0.lastSeenAt) }
    }
}

struct MaintenanceRequest: Decodable {
    var duration: String
    var reason: String?
}

struct MaintenanceView: Encodable {
    var device: String
    var from: Int64
    var until: Int64
    var reason: String
    var by: String
}

struct Page<Item: Encodable>: Encodable {
    var items: [Item]
    var total: Int
    var limit: Int
    var offset: Int
}

/// A device as the API shows it: registry record plus live state. Resident by id only.
struct DeviceView: Encodable {
    struct Live {
        var online: Bool
        var lastSeenAt: Int64
    }

    var id, type, family, community, grid, vendor, model, serial, installer, state: String
    var location: DeviceLocation
    var resident: String?
    var reportIntervalS: Int
    var online: Bool
    var lastSeenAt: Int64?
    var maintenanceUntil: Int64?
    /// An unresolved battery alert is open for the device (lists only).
    var batteryLow: Bool?
    /// The community's name (lists only).
    var communityName: String?
    /// The vendor MQTT identity, when the device speaks Alink, OneNET or IoTDA.
    var binding: VendorBinding?
    /// Whether the device may push events over HTTP (its secret itself is never shown).
    var httpPush: Bool

    init(_ device: Device, state live: Live?, maintenance: Silence?) {
        id = device.id
        type = device.type.rawValue
        family = device.type.family.rawValue
        community = device.community
        grid = device.grid
        vendor = device.vendor
        model = device.model
        serial = device.serial
        installer = device.installer
        state = device.state.rawValue
        location = device.location
        resident = device.resident
        reportIntervalS = device.reportIntervalSeconds
        online = live?.online ?? false
        lastSeenAt = live?.lastSeenAt
        maintenanceUntil = maintenance?.until
        binding = device.binding
        httpPush = device.pushSecretSHA256 != nil
    }

    enum CodingKeys: String, CodingKey {
        case id, type, family, community, grid, vendor, model, serial, installer, state, location, resident, online, binding
        case httpPush = "http_push", batteryLow = "battery_low", communityName = "community_name", reportIntervalS = "report_interval_s", lastSeenAt = "last_seen_at", maintenanceUntil = "maintenance_until"
    }
}

/// 422 with every validation issue.
struct ValidationError: HTTPResponseError {
    var issues: [ValidationIssue]
    var code = "invalid_device"
    var status: HTTPResponse.Status { .unprocessableContent }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = ValidationErrorBody(error: .init(code: code, message: issues.map(\.message).joined(separator: "; "),
                                                    issues: issues.map { issue in
            var entry = ["path": issue.path, "message": issue.message]
            if let location = issue.location { entry["location"] = location.description }
            return entry
        }))
        return JSONResponse.response(body, status: status)
    }
}

struct ValidationErrorBody: Encodable {
    struct Detail: Encodable {
        var code = "invalid_device"
        var message: String
        var issues: [[String: String]]
    }
    var error: Detail
}
