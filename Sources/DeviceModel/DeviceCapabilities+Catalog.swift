// The catalogue of what each device type sends. Ranges are plausibility bounds (a reading outside them is
// rejected as broken), chosen wide enough for every real reading: vital signs per ../shared/DOMAIN.md §3.4,
// gas in %LEL and CO in ppm per §4.2, Tuya smoke value 0–1000 per §4.1.

extension DeviceCapabilities {
    static let battery = MetricSpec("battery", unit: "%", 0...100)
    static let rssi = MetricSpec("rssi", unit: "dBm", -140...0)
    static let deviceTemperature = MetricSpec("device_temp", unit: "Cel", -40...90)

    static let accessEvents = [
        "face_auth_passed", "face_auth_failed", "card_auth_passed", "card_auth_failed",
        "door_opened", "door_closed", "door_forced", "door_held_open", "antipassback", "tailgating",
        "blocklist_match", "duress", "tamper", "remote_open",
        // Further outcomes of vendor access-control codes (Hikvision major/minor, Dahua codes).
        "fingerprint_auth_passed", "fingerprint_auth_failed", "lock_opened", "lock_closed", "exit_button",
        "liveness_failed", "id_card_compare_passed", "id_card_compare_failed", "wrong_way", "gate_climbing",
        "intrusion", "loitering", "fire_button", "emergency_button", "network_lost", "low_battery", "power_lost",
    ]

    static let catalog: [DeviceType: DeviceCapabilities] = [
        .accessCamera: DeviceCapabilities(
            metrics: [deviceTemperature, rssi, MetricSpec("passages_per_min", unit: "/min", 0...600)],
            events: accessEvents
        ),
        .accessTerminal: DeviceCapabilities(
            metrics: [deviceTemperature, rssi, battery, MetricSpec("door_open_s", unit: "s", 0...86_400)],
            events: accessEvents
        ),
        .wristband: DeviceCapabilities(
            metrics: [
                MetricSpec("heart_rate", unit: "/min", 20...250, noReading: [0, 255]),
                MetricSpec("spo2", unit: "%", 50...100, noReading: [0, 127, 255]),
                MetricSpec("body_temp", unit: "Cel", 30...45, noReading: [0]),
                MetricSpec("bp_sys", unit: "mm[Hg]", 50...260, noReading: [0, 255]),
                MetricSpec("bp_dia", unit: "mm[Hg]", 30...160, noReading: [0, 255]),
                MetricSpec("steps", unit: "1", 0...200_000),
                MetricSpec("worn", unit: "1", 0...1),
                battery, rssi,
            ],
            events: ["fall_detected", "sos", "wearable_removed", "wearable_worn", "low_battery", "geofence_exit"]
        ),
        .mattress: DeviceCapabilities(
            metrics: [
                MetricSpec("heart_rate", unit: "/min", 20...250, noReading: [0, 255]),
                MetricSpec("resp_rate", unit: "/min", 0...70, noReading: [255]),
                MetricSpec("body_movement", unit: "1", 0...100),
                MetricSpec("in_bed", unit: "1", 0...1),
                rssi,
            ],
            events: ["bed_exit", "bed_enter", "apnea_suspected"]
        ),
        .fallRadar: DeviceCapabilities(
            metrics: [
                MetricSpec("presence", unit: "1", 0...1),
                MetricSpec("motion_state", unit: "1", 0...2),
                MetricSpec("body_movement", unit: "1", 0...100),
                MetricSpec("heart_rate", unit: "/min", 20...250, noReading: [0, 255]),
                MetricSpec("resp_rate", unit: "/min", 0...70, noReading: [255]),
                MetricSpec("distance", unit: "m", 0...15),
                rssi,
            ],
            events: ["fall_detected", "long_stationary", "presence_detected", "presence_cleared"]
        ),
        .sosPendant: DeviceCapabilities(
            metrics: [battery, rssi],
            events: ["sos", "fall_detected", "low_battery", "sos_cancelled"]
        ),
        .smokeSensor: DeviceCapabilities(
            metrics: [MetricSpec("smoke_value", unit: "1", 0...1000), deviceTemperature, battery, rssi],
            events: ["smoke_alarm", "smoke_clear", "tamper", "low_battery", "self_test"]
        ),
        .gasSensor: DeviceCapabilities(
            metrics: [
                MetricSpec("lel", unit: "%{LEL}", 0...100),
                MetricSpec("co", unit: "[ppm]", 0...2000),
                battery, rssi,
            ],
            events: ["gas_alarm", "gas_clear", "co_alarm", "tamper", "low_battery", "self_test"]
        ),
        .waterSensor: DeviceCapabilities(
            metrics: [MetricSpec("water_level", unit: "cm", 0...500), battery, rssi],
            events: ["water_leak", "water_clear", "tamper", "low_battery"]
        ),
        .intrusionSensor: DeviceCapabilities(
            metrics: [battery, rssi],
            events: ["intrusion", "intrusion_clear", "tamper", "low_battery"]
        ),
        .videoAnalytics: DeviceCapabilities(
            metrics: [MetricSpec("person_count", unit: "1", 0...10_000), deviceTemperature],
            events: [
                "intrusion", "line_crossing", "object_throwing", "ebike_in_elevator", "fire_lane_blocked",
                "fire_lane_cleared", "crowd_gathering", "person_fall", "loitering", "video_loss", "tamper",
                "fire_detected", "unattended_object",
            ]
        ),
    ]
}
