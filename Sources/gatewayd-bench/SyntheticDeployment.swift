import Foundation
import DeviceModel

/// A generated deployment of `deviceCount` devices of every type, spread over communities, grids and
/// buildings, with one resident per elderly household. For benchmarks only.
enum SyntheticDeployment {
    static func registry(deviceCount: Int) throws -> DeviceRegistry {
        var draft = RegistryDraft()
        draft.gatewayID = "gw-bench"
        let communities = max(1, deviceCount / 2000)
        for index in 0..<communities {
            var community = CommunityDraft()
            community.id = "c\(index)"
            community.name = "社区\(index)"
            community.address = "地址\(index)"
            for gridIndex in 0..<4 {
                var grid = GridDraft()
                grid.code = String(format: "3301060%02d%03d", index % 100, gridIndex)
                grid.name = "网格\(gridIndex)"
                community.grids.append(grid)
            }
            draft.communities.append(community)
        }
        var installer = InstallerDraft()
        installer.id = "inst"
        installer.name = "安装员"
        draft.installers = [installer]
        let types = DeviceType.allCases
        for index in 0..<deviceCount {
            let type = types[index % types.count]
            let community = index % communities
            var device = DeviceDraft()
            device.id = "d\(index)"
            device.type = type.rawValue
            device.community = "c\(community)"
            device.grid = String(format: "3301060%02d%03d", community % 100, index % 4)
            device.building = "\(index / 40 % 50)"
            device.room = "\(index % 40)"
            device.vendor = "V"
            device.model = "M"
            device.serial = "S\(index)"
            device.installer = "inst"
            device.state = "commissioned"
            if type.watchesResident {
                var resident = ResidentDraft()
                resident.id = "r\(index)"
                resident.name = "居民"
                resident.community = "c\(community)"
                resident.building = device.building
                resident.room = device.room
                draft.residents.append(resident)
                device.resident = "r\(index)"
            }
            draft.devices.append(device)
        }
        return try RegistryValidator().validate(draft)
    }
}

/// A deterministic stream of realistic messages: normal telemetry, with `abnormalShare` of readings out of
/// the alert limits and a share of events of every family.
struct MessageGenerator {
    let devices: [Device]
    let abnormalShare: Double
    private var state: UInt64 = 0x9E37_79B9_7F4A_7C15

    init(devices: [Device], abnormalShare: Double) {
        self.devices = devices
        self.abnormalShare = abnormalShare
    }

    mutating func random() -> Double {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Double(state % 1_000_000) / 1_000_000
    }

    mutating func next(index: Int, ts: Int64) -> DeviceMessage {
        let device = devices[index % devices.count]
        let abnormal = random() < abnormalShare
        let body: DeviceMessage.Body
        switch device.type {
        case .wristband:
            // A wristband's step count grows with its own readings (the run's message index passed the
            // catalogue's 200,000 after 200,000 messages: every reading then lost a field, not 1 %).
            body = .telemetry(["heart_rate": abnormal ? 140 : 72, "spo2": abnormal ? 86 : 97, "battery": 80,
                               "steps": Double(index / devices.count % 200_000)])
        case .mattress:
            body = .telemetry(["heart_rate": abnormal ? 135 : 64, "resp_rate": 16, "body_movement": 3, "in_bed": 1])
        case .fallRadar:
            body = abnormal ? .event(name: "fall_detected", data: [:]) : .telemetry(["presence": 1, "motion_state": 2, "body_movement": 20])
        case .sosPendant:
            body = abnormal ? .event(name: "sos", data: [:]) : .telemetry(["battery": 90])
        case .accessCamera, .accessTerminal:
            body = .event(name: abnormal ? "face_auth_failed" : "face_auth_passed", data: [:])
        case .smokeSensor:
            body = abnormal ? .event(name: "smoke_alarm", data: [:]) : .telemetry(["smoke_value": 20, "battery": 95])
        case .gasSensor:
            body = abnormal ? .event(name: "gas_alarm", data: ["level": .number(2)]) : .telemetry(["lel": 1, "battery": 95])
        case .waterSensor:
            body = abnormal ? .event(name: "water_leak", data: [:]) : .telemetry(["water_level": 0, "battery": 95])
        case .intrusionSensor:
            body = abnormal ? .event(name: "intrusion", data: [:]) : .telemetry(["battery": 95])
        case .videoAnalytics:
            body = abnormal ? .event(name: "object_throwing", data: [:]) : .telemetry(["person_count": 4])
        }
        return DeviceMessage(deviceID: device.id, community: device.community, ts: ts, body: body, format: "canonical")
    }
}

/// Device times for offered load: 1 ms later per message *per device* (events are unique per device,
/// channel and ts), starting a minute ago, so they stay near real time however many messages a run offers
/// (the gateway flags device times more than 5 min ahead of its clock).
struct DeviceTimestamps {
    let base = Int64(Date().timeIntervalSince1970 * 1000) - 60_000
    private var perDevice: [String: Int64] = [:]

    mutating func next(_ deviceID: String) -> Int64 {
        let next = (perDevice[deviceID] ?? 0) + 1
        perDevice[deviceID] = next
        return base + next
    }
}

extension LoadGenerator {
    /// Publishes the generator's next message, QoS 1, with the device's next time.
    func publishNext(_ index: Int, generator: inout MessageGenerator, times: inout DeviceTimestamps) async throws {
        var message = generator.next(index: index, ts: 0)
        message.ts = times.next(message.deviceID)
        try await publish(index, topic: CanonicalPayload.topic(message), payload: CanonicalPayload.json(message), qos: 1)
    }
}
