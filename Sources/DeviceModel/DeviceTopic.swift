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
        guard isIdentifier(levels[1]), isIdentifier(levels[2]) else {
            throw Rejection(.badTopic, "community and device id must be identifiers (letters, digits, '_', '-', '.')")
        }
        guard let channel = Channel(rawValue: String(levels[3])) else {
            throw Rejection(.unknownChannel, "channel must be one of telemetry, event, status", deviceID: deviceID)
        }
        return DeviceTopic(community: community, deviceID: deviceID, channel: channel)
    }

    /// ``ContactRules/isValidIdentifier(_:)`` (ASCII letters and digits, then also `_ - .`; at most 64),
    /// answered from the topic's bytes without making a String: every message's topic is checked.
    private static func isIdentifier(_ level: Substring) -> Bool {
        let bytes = level.utf8
        guard let first = bytes.first, bytes.count <= 64 else { return false }
        func alphanumeric(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
        }
        return alphanumeric(first) && bytes.allSatisfy { alphanumeric($0) || $0 == 0x5F || $0 == 0x2D || $0 == 0x2E }
    }

    /// Telemetry or status on a canonical topic: a routine reading, whose commit (and PUBACK) may wait a few
    /// milliseconds to share a transaction with the readings after it. Events (a fall, an SOS, smoke), vendor
    /// posts and anything malformed are not routine: they are committed without waiting. Only the topic's
    /// bytes are looked at; the message is parsed and validated later as any other.
    public static func isRoutineReading(_ topic: String) -> Bool {
        var topic = topic
        return topic.withUTF8 { bytes in
            guard bytes.starts(with: prefixSlash) else { return false }
            let tail = bytes.dropFirst(prefixSlash.count).reversed()
            return tail.starts(with: telemetrySuffixReversed) && tail.count > telemetrySuffixReversed.count
                || tail.starts(with: statusSuffixReversed) && tail.count > statusSuffixReversed.count
        }
    }

    private static let prefixSlash = Array("devices/".utf8)
    private static let telemetrySuffixReversed = Array("/telemetry".utf8.reversed())
    private static let statusSuffixReversed = Array("/status".utf8.reversed())
}
