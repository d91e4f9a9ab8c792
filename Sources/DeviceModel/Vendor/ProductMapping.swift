/// A product's thing model mapped onto the canonical vocabulary, as data from devices.yaml
/// (`vendor_products`): which property identifier is which metric (with a scale for devices that send
/// tenths), which property values are events, which thing-model event is which canonical event.
public struct ProductMapping: Sendable, Hashable {
    public var vendorProtocol: VendorProtocol
    public var product: String
    public var deviceType: DeviceType
    public var properties: [String: PropertyMapping]
    public var events: [String: String]

    public init(vendorProtocol: VendorProtocol, product: String, deviceType: DeviceType,
                properties: [String: PropertyMapping], events: [String: String]) {
        self.vendorProtocol = vendorProtocol
        self.product = product
        self.deviceType = deviceType
        self.properties = properties
        self.events = events
    }

    public var key: ProductKey { ProductKey(vendorProtocol: vendorProtocol, product: product) }
}

public struct ProductKey: Sendable, Hashable {
    public var vendorProtocol: VendorProtocol
    public var product: String

    public init(vendorProtocol: VendorProtocol, product: String) {
        self.vendorProtocol = vendorProtocol
        self.product = product
    }
}

/// What one thing-model property becomes.
public enum PropertyMapping: Sendable, Hashable {
    /// A canonical metric: `value × scale`.
    case metric(name: String, scale: Double)
    /// A state property whose values are events (`SmokeSensorState: {1: smoke_alarm, 0: smoke_clear}`).
    /// Values not listed are ordinary states and produce nothing.
    case events([String: String])
}

/// Every product mapping of a deployment, by protocol and product.
public struct ProductCatalog: Sendable {
    public private(set) var products: [ProductKey: ProductMapping]

    public init(_ products: [ProductMapping] = []) {
        self.products = Dictionary(products.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func mapping(_ vendorProtocol: VendorProtocol, product: String) -> ProductMapping? {
        products[ProductKey(vendorProtocol: vendorProtocol, product: product)]
    }
}
