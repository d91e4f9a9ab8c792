import Foundation

extension DeviceRegistry {
    /// The registered device a vendor topic names, and its product mapping; a rejection that says which
    /// half is missing otherwise.
    func vendorDevice(
        _ vendorProtocol: VendorProtocol, product: String?, name: String
    ) throws(Rejection) -> (Device, ProductMapping) {
        let key = VendorBinding.topicKey(vendorProtocol, product: product, name: name)
        guard let device = device(bindingKey: key), let binding = device.binding else {
            throw Rejection(.unknownDevice, "no device is bound to \(vendorProtocol.rawValue) identity \"\(key.dropFirst(vendorProtocol.rawValue.count + 1))\"")
        }
        guard let mapping = products.mapping(vendorProtocol, product: binding.product) else {
            throw Rejection(.unknownDevice, "product \"\(binding.product)\" has no \(vendorProtocol.rawValue) mapping", deviceID: device.id)
        }
        return (device, mapping)
    }
}

/// Splits an MQTT topic into its levels.
func topicLevels(_ topic: String) -> [Substring] {
    topic.split(separator: "/", omittingEmptySubsequences: false)
}

/// Encodes a reply document (the small JSON objects Alink and OneNET expect).
func replyJSON(_ object: [String: JSONValue]) -> Data {
    (try? JSONEncoder.sortedKeys.encode(JSONValue.object(object))) ?? Data("{}".utf8)
}

extension JSONEncoder {
    static var sortedKeys: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
