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
        // The levels are found on the topic's bytes (every message's topic is parsed: no array of substrings).
        let utf8 = topic.utf8
        var slashes = (utf8.startIndex, utf8.startIndex, utf8.startIndex)
        var index = utf8.startIndex, count = 1
        while index != utf8.endIndex {
            if utf8[index] == UInt8(ascii: "/") {
                switch count {
                case 1: slashes.0 = index
                case 2: slashes.1 = index
                case 3: slashes.2 = index
                default: break
                }
                count += 1
            }
            utf8.formIndex(after: &index)
        }
        guard count == 4, topic[..<slashes.0] == Self.prefix else {
            throw Rejection(.badTopic, "expected devices/{community}/{deviceId}/{channel}, got \(count) levels")
        }
        let communityLevel = topic[utf8.index(after: slashes.0)..<slashes.1]
        let deviceLevel = topic[utf8.index(after: slashes.1)..<slashes.2]
        let channelLevel = topic[utf8.index(after: slashes.2)...]
        guard isIdentifier(communityLevel), isIdentifier(deviceLevel) else {
            throw Rejection(.badTopic, "community and device id must be identifiers (letters, digits, '_', '-', '.')")
        }
        let deviceID = String(deviceLevel)
        let channel: Channel
        switch channelLevel {
        case "telemetry": channel = .telemetry
        case "event": channel = .event
        case "status": channel = .status
        default: throw Rejection(.unknownChannel, "channel must be one of telemetry, event, status", deviceID: deviceID)
        }
        return DeviceTopic(community: String(communityLevel), deviceID: deviceID, channel: channel)
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
