import AlertRules
import DeviceModel

/// The incidents `simulate` injects, one family after another, each on a suitable device (taken in turn,
/// avoiding devices under a maintenance silence so that the alert really opens; cameras are chosen by what
/// their id or zone says they watch).
struct IncidentScript {
    enum Kind: CaseIterable {
        case fall, sos, heartRate, doorForced, faceAuthFailures, smoke, gas, waterLeak, objectThrowing, ebikeInElevator, fireLaneBlocked

        /// Words in a camera's id or zone that say it watches for this (a facade, an elevator, a fire lane).
        var placeHints: [String] {
            switch self {
            case .objectThrowing: ["facade", "立面", "高空"]
            case .ebikeInElevator: ["elevator", "电梯"]
            case .fireLaneBlocked: ["firelane", "消防"]
            default: []
            }
        }

        /// Device types that can have this incident.
        var types: Set<DeviceType> {
            switch self {
            case .fall: [.wristband, .fallRadar]
            case .sos: [.sosPendant]
            case .heartRate: [.wristband]
            case .doorForced: [.accessTerminal]
            case .faceAuthFailures: [.accessTerminal, .accessCamera]
            case .smoke: [.smokeSensor]
            case .gas: [.gasSensor]
            case .waterLeak: [.waterSensor]
            case .objectThrowing, .ebikeInElevator, .fireLaneBlocked: [.videoAnalytics]
            }
        }
    }

    /// One injected incident: messages to send now, and messages to send after a delay.
    struct Incident {
        var label: String
        var messages: [SimulatedMessage]
        var followUps: [(delaySeconds: Double, message: SimulatedMessage)] = []
        /// A wristband that now reports a high heart rate for the rest of the run.
        var tachycardic: String?
    }

    static let heartRateEpisodeReadings = 10
    static let heartRateEpisodeStepMs: Int64 = 15_000
    static let faceAuthBurst = 5

    private var candidates: [Kind: [Device]] = [:]
    private var turn: [Kind: Int] = [:]
    private var kindIndex = 0

    init(devices: [Device], silences: [Silence], overrides: [RuleOverride], now: Int64) {
        let silenced = Set(devices.filter { device in
            silences.contains { silence in
                guard now >= silence.from, now < silence.until else { return false }
                switch silence.target {
                case let .device(id): return id == device.id
                case let .community(id): return id == device.community
                case .rule: return false
                }
            }
        }.map(\.id))
        // A device whose face-auth count rule is raised above the burst would not alarm.
        let higherFaceAuthLimit = Set(overrides.compactMap { override -> String? in
            guard override.rule == "access.face_auth_failures", (override.trigger ?? 0) > Double(Self.faceAuthBurst) || override.enabled == false,
                  case let .device(id) = override.target else { return nil }
            return id
        })
        for kind in Kind.allCases {
            let fitting = devices.filter { kind.types.contains($0.type) }
            var preferred = fitting.filter { !silenced.contains($0.id) }
            if kind == .faceAuthFailures { preferred.removeAll { higherFaceAuthLimit.contains($0.id) } }
            let placed = preferred.filter { device in
                kind.placeHints.contains { hint in device.id.contains(hint) || (device.location.zone ?? "").contains(hint) }
            }
            candidates[kind] = !placed.isEmpty ? placed : !preferred.isEmpty ? preferred : fitting
        }
    }

    /// Kinds this registry has no device for.
    var missingKinds: [Kind] { Kind.allCases.filter { candidates[$0]?.isEmpty ?? true } }

    /// The next incident in the rotation; `excluded` wristbands are already in an episode.
    mutating func next(excluding excluded: Set<String>) -> Incident? {
        for _ in 0..<Kind.allCases.count {
            let kind = Kind.allCases[kindIndex % Kind.allCases.count]
            kindIndex += 1
            let devices = (candidates[kind] ?? []).filter { kind != .heartRate || !excluded.contains($0.id) }
            guard !devices.isEmpty else { continue }
            let device = devices[turn[kind, default: 0] % devices.count]
            turn[kind, default: 0] += 1
            return Self.incident(kind, on: device)
        }
        return nil
    }

    private static func incident(_ kind: Kind, on device: Device) -> Incident {
        func event(_ name: String, _ data: [String: JSONValue]? = nil) -> SimulatedMessage {
            SimulatedMessage(device: device, body: .event(name: name, data: data))
        }
        switch kind {
        case .fall:
            return Incident(label: "fall_detected on \(device.id)", messages: [event("fall_detected", ["confidence": .number(0.93)])])
        case .sos:
            return Incident(label: "sos on \(device.id)", messages: [event("sos")])
        case .heartRate:
            // A 2 min 15 s episode compressed: the band's clock advances 15 s per reading (the rule measures device time).
            var metrics: [String: Double] = ["heart_rate": 135, "spo2": 96, "battery": 78, "worn": 1]
            metrics = metrics.filter { device.type.capabilities.metrics[$0.key] != nil }
            let readings = (0..<heartRateEpisodeReadings).map { _ in
                SimulatedMessage(device: device, body: .telemetry(metrics), clockStep: heartRateEpisodeStepMs)
            }
            return Incident(label: "heart_rate 135 sustained on \(device.id)", messages: readings, tachycardic: device.id)
        case .doorForced:
            return Incident(label: "door_forced on \(device.id)", messages: [event("door_forced")])
        case .faceAuthFailures:
            return Incident(label: "\(faceAuthBurst)× face_auth_failed on \(device.id)",
                            messages: Array(repeating: event("face_auth_failed"), count: faceAuthBurst))
        case .smoke:
            return Incident(label: "smoke_alarm then smoke_clear on \(device.id)",
                            messages: [event("smoke_alarm", ["smoke_value": .number(620)])],
                            followUps: [(5, event("smoke_clear"))])
        case .gas:
            return Incident(label: "gas_alarm level 2 on \(device.id)", messages: [event("gas_alarm", ["level": .number(2)])])
        case .waterLeak:
            return Incident(label: "water_leak on \(device.id)", messages: [event("water_leak")])
        case .objectThrowing:
            return Incident(label: "object_throwing on \(device.id)", messages: [event("object_throwing")])
        case .ebikeInElevator:
            return Incident(label: "ebike_in_elevator on \(device.id)", messages: [event("ebike_in_elevator")])
        case .fireLaneBlocked:
            return Incident(label: "fire_lane_blocked on \(device.id)", messages: [event("fire_lane_blocked")])
        }
    }
}
