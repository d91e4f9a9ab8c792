/// The three families of devices a community gateway serves.
public enum DeviceFamily: String, Sendable, CaseIterable, Codable {
    /// 门禁: face-recognition cameras and door terminals.
    case accessControl = "access_control"
    /// 独居/失能老人 monitors: wristbands, mattresses, fall radar, SOS pendants.
    case elderlyCare = "elderly_care"
    /// 雪亮工程 sensors and video analytics: smoke, gas, water, intrusion, video.
    case publicSafety = "public_safety"
}
