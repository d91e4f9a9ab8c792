/// The vendor wire formats a device may speak instead of the canonical topics.
/// MQTT: Alibaba Alink, China Mobile OneNET (OneJSON), Huawei IoTDA. HTTP push: Hikvision ISAPI, Dahua.
public enum VendorProtocol: String, Sendable, Hashable, Codable, CaseIterable {
    case alink
    case onenet
    case iotda
    case isapi
    case dahua

    /// Whether the protocol arrives over MQTT (and so needs a ``VendorBinding``) rather than HTTP push: what
    /// its decoder declares.
    public var isMQTT: Bool {
        MessageIngest.standardDecoders.contains { decoder in
            guard decoder.vendorProtocol == self, case .mqtt = decoder.transport else { return false }
            return true
        }
    }

    /// Protocols whose devices publish over MQTT.
    public static let mqttProtocols: [VendorProtocol] = allCases.filter(\.isMQTT)
}

/// How a device registered in devices.yaml is known on a vendor protocol: Alink `productKey` +
/// `deviceName`, OneNET product id + device name, IoTDA product id + `device_id`. The product also
/// selects the thing-model mapping (``ProductMapping``).
public struct VendorBinding: Sendable, Hashable, Codable {
    public var vendorProtocol: VendorProtocol
    public var product: String
    /// Alink `deviceName`, OneNET device name, IoTDA `device_id` (as it appears in the topic).
    public var name: String

    public init(vendorProtocol: VendorProtocol, product: String, name: String) {
        self.vendorProtocol = vendorProtocol
        self.product = product
        self.name = name
    }

    enum CodingKeys: String, CodingKey {
        case vendorProtocol = "protocol", product, name
    }

    /// The key under which the registry finds the device from a topic: what the topic itself names.
    public var topicKey: String { Self.topicKey(vendorProtocol, product: product, name: name) }

    /// IoTDA topics name only the `device_id` (unique across products); Alink and OneNET name both.
    public static func topicKey(_ vendorProtocol: VendorProtocol, product: String?, name: String) -> String {
        switch vendorProtocol {
        case .iotda: "iotda/\(name)"
        default: "\(vendorProtocol.rawValue)/\(product ?? "")/\(name)"
        }
    }
}
