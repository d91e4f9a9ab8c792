/// Hikvision codes as data (../shared/DOMAIN.md §1.4, §4.3): `AccessControllerEvent` major/minor codes
/// as the JSON push carries them (decimal; the SDK headers write the minors in hex, e.g. face pass 75 is
/// `0x4b`, not `0x75`), and ISAPI `eventType` names of video analytics.
public enum HikvisionCodeTable {
    public struct AccessCode: Sendable, Hashable {
        public var major: Int
        public var minor: Int
        /// The SDK macro, for people reading the table against Hikvision's documents.
        public var sdkName: String
        public var event: String
    }

    /// Majors: 1 alarm, 2 exception, 3 operation, 5 event.
    public static let accessCodes: [AccessCode] = [
        AccessCode(major: 5, minor: 0x4B, sdkName: "MINOR_FACE_VERIFY_PASS", event: "face_auth_passed"),
        AccessCode(major: 5, minor: 0x4C, sdkName: "MINOR_FACE_VERIFY_FAIL", event: "face_auth_failed"),
        AccessCode(major: 5, minor: 0x50, sdkName: "MINOR_FACE_RECOGNIZE_FAIL", event: "face_auth_failed"),
        AccessCode(major: 5, minor: 0x4D, sdkName: "MINOR_EMPLOYEENO_AND_FACE_VERIFY_PASS", event: "face_auth_passed"),
        AccessCode(major: 5, minor: 0x3C, sdkName: "MINOR_FACE_AND_CARD_VERIFY_PASS", event: "face_auth_passed"),
        AccessCode(major: 5, minor: 0x01, sdkName: "MINOR_LEGAL_CARD_PASS", event: "card_auth_passed"),
        AccessCode(major: 5, minor: 0x09, sdkName: "MINOR_INVALID_CARD", event: "card_auth_failed"),
        AccessCode(major: 5, minor: 0x06, sdkName: "MINOR_CARD_NO_RIGHT", event: "card_auth_failed"),
        AccessCode(major: 5, minor: 0x08, sdkName: "MINOR_CARD_OUT_OF_DATE", event: "card_auth_failed"),
        AccessCode(major: 5, minor: 0x26, sdkName: "MINOR_FINGERPRINT_COMPARE_PASS", event: "fingerprint_auth_passed"),
        AccessCode(major: 5, minor: 0x27, sdkName: "MINOR_FINGERPRINT_COMPARE_FAIL", event: "fingerprint_auth_failed"),
        AccessCode(major: 5, minor: 0x15, sdkName: "MINOR_LOCK_OPEN", event: "lock_opened"),
        AccessCode(major: 5, minor: 0x16, sdkName: "MINOR_LOCK_CLOSE", event: "lock_closed"),
        AccessCode(major: 5, minor: 0x19, sdkName: "MINOR_DOOR_OPEN_NORMAL", event: "door_opened"),
        AccessCode(major: 5, minor: 0x1A, sdkName: "MINOR_DOOR_CLOSE_NORMAL", event: "door_closed"),
        AccessCode(major: 5, minor: 0x1B, sdkName: "MINOR_DOOR_OPEN_ABNORMAL", event: "door_forced"),
        AccessCode(major: 5, minor: 0x1C, sdkName: "MINOR_DOOR_OPEN_TIMEOUT", event: "door_held_open"),
        AccessCode(major: 5, minor: 0x17, sdkName: "MINOR_DOOR_BUTTON_PRESS", event: "exit_button"),
        AccessCode(major: 5, minor: 0x0A, sdkName: "MINOR_ANTI_SNEAK_FAIL", event: "antipassback"),
        AccessCode(major: 5, minor: 0x85, sdkName: "MINOR_TRAILING", event: "tailgating"),
        AccessCode(major: 5, minor: 0x86, sdkName: "MINOR_REVERSE_ACCESS", event: "wrong_way"),
        AccessCode(major: 5, minor: 0x87, sdkName: "MINOR_FORCE_ACCESS", event: "door_forced"),
        AccessCode(major: 5, minor: 0x88, sdkName: "MINOR_CLIMBING_OVER_GATE", event: "gate_climbing"),
        AccessCode(major: 5, minor: 0x8A, sdkName: "MINOR_INTRUSION_ALARM", event: "intrusion"),
        AccessCode(major: 5, minor: 0x71, sdkName: "MINOR_CERTIFICATE_BLACK_LIST", event: "blocklist_match"),
        AccessCode(major: 5, minor: 0x68, sdkName: "MINOR_HUMAN_DETECT_FAIL", event: "liveness_failed"),
        AccessCode(major: 5, minor: 0x69, sdkName: "MINOR_PEOPLE_AND_ID_CARD_COMPARE_PASS", event: "id_card_compare_passed"),
        AccessCode(major: 5, minor: 0x70, sdkName: "MINOR_PEOPLE_AND_ID_CARD_COMPARE_FAIL", event: "id_card_compare_failed"),
        AccessCode(major: 5, minor: 0x8F, sdkName: "MINOR_STAY_EVENT", event: "loitering"),
        AccessCode(major: 1, minor: 0x40A, sdkName: "MINOR_STRESS_ALARM", event: "duress"),
        AccessCode(major: 1, minor: 0x404, sdkName: "MINOR_HOST_DESMANTLE_ALARM", event: "tamper"),
        AccessCode(major: 1, minor: 0x406, sdkName: "MINOR_CARD_READER_DESMANTLE_ALARM", event: "tamper"),
        AccessCode(major: 1, minor: 0x418, sdkName: "MINOR_FIRE_BUTTON_TRIGGER", event: "fire_button"),
        AccessCode(major: 1, minor: 0x41C, sdkName: "MINOR_EMERGENCY_BUTTON_TRIGGER", event: "emergency_button"),
        AccessCode(major: 2, minor: 0x27, sdkName: "MINOR_NET_BROKEN", event: "network_lost"),
        AccessCode(major: 2, minor: 0x403, sdkName: "MINOR_LOW_BATTERY", event: "low_battery"),
        AccessCode(major: 2, minor: 0x405, sdkName: "MINOR_AC_OFF", event: "power_lost"),
        AccessCode(major: 3, minor: 0x400, sdkName: "MINOR_REMOTE_OPEN_DOOR", event: "remote_open"),
    ]

    static let accessIndex: [Int: String] = Dictionary(
        accessCodes.map { ($0.major << 16 | $0.minor, $0.event) }, uniquingKeysWith: { first, _ in first }
    )

    /// The canonical event of an access-control major/minor pair, `nil` when the table has none.
    public static func accessEvent(major: Int, minor: Int) -> String? { accessIndex[major << 16 | minor] }

    /// What a video-analytics `eventType` becomes (keys lower-cased): the event while `active`, and the
    /// event that ends it when `inactive` (none: the inactive post is only a sign of life).
    public struct AnalyticsType: Sendable, Hashable {
        public var active: String
        public var inactive: String?

        public init(active: String, inactive: String?) {
            self.active = active
            self.inactive = inactive
        }
    }

    public static let analyticsTypes: [String: AnalyticsType] = [
        "fielddetection": AnalyticsType(active: "intrusion", inactive: nil),
        "regionentrance": AnalyticsType(active: "intrusion", inactive: nil),
        "linedetection": AnalyticsType(active: "line_crossing", inactive: nil),
        "loitering": AnalyticsType(active: "loitering", inactive: nil),
        "group": AnalyticsType(active: "crowd_gathering", inactive: nil),
        "persondensitydetection": AnalyticsType(active: "crowd_gathering", inactive: nil),
        "faildown": AnalyticsType(active: "person_fall", inactive: nil),
        // A parking detector watching a fire lane (the device's zone says which lane).
        "parking": AnalyticsType(active: "fire_lane_blocked", inactive: "fire_lane_cleared"),
        "unattendedbaggage": AnalyticsType(active: "unattended_object", inactive: nil),
        "firedetection": AnalyticsType(active: "fire_detected", inactive: nil),
        "smokedetection": AnalyticsType(active: "fire_detected", inactive: nil),
        "smokeandfiredetection": AnalyticsType(active: "fire_detected", inactive: nil),
        "videoloss": AnalyticsType(active: "video_loss", inactive: nil),
        "shelteralarm": AnalyticsType(active: "tamper", inactive: nil),
        "tamperdetection": AnalyticsType(active: "tamper", inactive: nil),
        // China Mobile's camera SDK name for 高空抛物 (§4.3).
        "parabolicaerial": AnalyticsType(active: "object_throwing", inactive: nil),
    ]

    /// Event types that are a device's heartbeat, not an event: `videoloss` with state `inactive` is the
    /// classic Hikvision keep-alive, `heartBeat` that of newer firmware.
    public static func isHeartbeat(eventType: String, active: Bool) -> Bool {
        let type = eventType.lowercased()
        return type == "heartbeat" || (type == "videoloss" && !active)
    }
}
