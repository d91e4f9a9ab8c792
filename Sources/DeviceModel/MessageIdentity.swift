import Foundation

/// What makes a message itself, beside device, channel and `ts`: the part of the stored event key that
/// keeps two distinct messages of one device in one millisecond apart while a QoS 1 redelivery or an HTTP
/// retry (the same bytes, or the same vendor message id) is still stored once.
public enum MessageIdentity {
    /// FNV-1a (64-bit) of `bytes`, as 16 hex digits: the identity of a canonical message (its payload
    /// as sent) and of a vendor post without a message id. Not cryptographic; it only has to tell apart
    /// messages of one device, channel and millisecond.
    public static func digest(_ bytes: Data) -> String {
        // Over the raw buffer: Data's iterator costs a call a byte, and every message is hashed.
        let hash = bytes.withUnsafeBytes { buffer in
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            for byte in buffer {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
            return hash
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The key suffix of a vendor post: its own message id when it has one (a retry repeats it), else the
    /// digest of its payload.
    public static func vendorSuffix(messageID: String?, payload: Data) -> String {
        if let messageID, !messageID.isEmpty { return "|id:" + messageID.prefix(64) }
        return "|h:" + digest(payload)
    }
}

extension Array where Element == DeviceMessage {
    /// Each message's native key with `suffix` appended.
    func withIdentity(_ suffix: String) -> [DeviceMessage] {
        map { message in
            var message = message
            message.nativeKey += suffix
            return message
        }
    }
}
