/// The canonical topic `devices/{community}/{deviceId}/{channel}`.
public struct DeviceTopic: Sendable, Hashable {
    public static let prefix = "devices"
    /// The subscription that receives every canonical device topic, including malformed ones under it,
    /// so that they can be rejected with a reason instead of never being seen.
    public static let subscription = "devices/#"

    public var community: String
    public var deviceID: String
    public var channel: Channel

    public init(community: String, deviceID: String, channel: Channel) {
        self.community = community
        self.deviceID = deviceID
        self.channel = channel
    }

    public var topic: String { "\(Self.prefix)/\(community)/\(deviceID)/\(channel.rawValue)" }

    /// Parses a canonical topic, saying precisely what is wrong with one that is not.
    public static func parse(_ topic: String) throws(Rejection) -> DeviceTopic {
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false)
        guard levels.count == 4, levels[0] == Self.prefix else {
            throw Rejection(.badTopic, "expected devices/{community}/{deviceId}/{channel}, got \(levels.count) levels")
        }
        let community = String(levels[1]), deviceID = String(levels[2])
        guard ContactRules.isValidIdentifier(community), ContactRules.isValidIdentifier(deviceID) else {
            throw Rejection(.badTopic, "community and device id must be identifiers (letters, digits, '_', '-', '.')")
        }
        guard let channel = Channel(rawValue: String(levels[3])) else {
            throw Rejection(.unknownChannel, "channel must be one of telemetry, event, status", deviceID: deviceID)
        }
        return DeviceTopic(community: community, deviceID: deviceID, channel: channel)
    }
}
