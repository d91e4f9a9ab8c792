/// Validates `vendor_products` drafts into ``ProductMapping``s: known protocol and device type, metrics
/// and events the device type really has, usable scales, no product listed twice.
struct ProductMappingValidator {
    func validate(_ drafts: [ProductDraft], issues: inout IssueList) -> [ProductMapping] {
        var products: [ProductMapping] = []
        var seen = Set<ProductKey>()
        for (index, draft) in drafts.enumerated() {
            let path = "vendor_products[\(index)]"
            guard let product = validate(draft, path: path, issues: &issues) else { continue }
            guard seen.insert(product.key).inserted else {
                issues.add(draft.origins, path, "product", "product \"\(product.product)\" of \(product.vendorProtocol.rawValue) is listed twice")
                continue
            }
            products.append(product)
        }
        return products
    }

    private func validate(_ draft: ProductDraft, path: String, issues: inout IssueList) -> ProductMapping? {
        let before = issues.count
        let vendorProtocol = issues.vendorProtocol(draft.vendorProtocol, draft.origins, path, "protocol", mqttOnly: true)
        let product = issues.vendorName(draft.product, draft.origins, path, "product")
        var type: DeviceType?
        if let text = issues.required(draft.deviceType, draft.origins, path, "device_type") {
            type = DeviceType(rawValue: text)
            if type == nil {
                let known = DeviceType.allCases.map(\.rawValue)
                var message = "unknown device type \"\(text)\""
                if let guess = Spelling.closest(to: text, among: known) { message += " (did you mean \"\(guess)\"?)" }
                issues.add(draft.origins, path, "device_type", message)
            }
        }
        var properties: [String: PropertyMapping] = [:]
        var events: [String: String] = [:]
        if let type {
            let capabilities = type.capabilities
            for (identifier, property) in draft.properties {
                let propertyPath = "\(path).properties.\(identifier)"
                if let events = property.events {
                    var table: [String: String] = [:]
                    for (value, event) in events {
                        if capabilities.events.contains(event) { table[value] = event } else {
                            issues.add(property.origins, propertyPath, "events",
                                       "a \(type.rawValue) does not send event `\(event)`\(Self.suggestion(event, capabilities.events))")
                        }
                    }
                    properties[identifier] = .events(table)
                    continue
                }
                guard let metric = property.metric else {
                    issues.add(property.origins, propertyPath, nil, "map a property to a metric, or to `events: {value: event}`")
                    continue
                }
                guard capabilities.metrics[metric] != nil else {
                    issues.add(property.origins, propertyPath, "metric",
                               "a \(type.rawValue) does not report `\(metric)`\(Self.suggestion(metric, Set(capabilities.metrics.keys)))")
                    continue
                }
                var scale = 1.0
                if let text = property.scale {
                    if let value = Double(text), value.isFinite, value != 0 { scale = value } else {
                        issues.add(property.origins, propertyPath, "scale", "scale \"\(text)\" must be a non-zero number (e.g. 0.1)")
                    }
                }
                properties[identifier] = .metric(name: metric, scale: scale)
            }
            for (identifier, event, origins) in draft.events {
                if capabilities.events.contains(event) { events[identifier] = event } else {
                    issues.add(origins, "\(path).events", identifier,
                               "a \(type.rawValue) does not send event `\(event)`\(Self.suggestion(event, capabilities.events))")
                }
            }
        }
        if draft.properties.isEmpty, draft.events.isEmpty {
            issues.add(draft.origins, path, nil, "a product mapping needs `properties` or `events`")
        }
        guard issues.count == before, let vendorProtocol, let product, let type else { return nil }
        return ProductMapping(vendorProtocol: vendorProtocol, product: product, deviceType: type, properties: properties, events: events)
    }

    static func suggestion(_ text: String, _ known: Set<String>) -> String {
        Spelling.closest(to: text, among: known.sorted()).map { " (did you mean `\($0)`?)" } ?? ""
    }
}

extension IssueList {
    mutating func vendorProtocol(
        _ value: String?, _ origins: FieldOrigins, _ path: String, _ field: String, mqttOnly: Bool
    ) -> VendorProtocol? {
        guard let text = required(value, origins, path, field) else { return nil }
        let allowed = mqttOnly ? VendorProtocol.mqttProtocols : VendorProtocol.allCases
        guard let value = VendorProtocol(rawValue: text), allowed.contains(value) else {
            add(origins, path, field, "unknown protocol \"\(text)\" (expected one of: \(allowed.map(\.rawValue).joined(separator: ", ")))")
            return nil
        }
        return value
    }

    /// A product key or vendor device name: it is a topic level, so no `/`, `+`, `#` or spaces.
    mutating func vendorName(_ value: String?, _ origins: FieldOrigins, _ path: String, _ field: String) -> String? {
        guard let text = required(value, origins, path, field) else { return nil }
        guard text.utf8.count <= 128, !text.contains(where: { "/+#".contains($0) || $0.isWhitespace }) else {
            add(origins, path, field, "\"\(text)\" must be at most 128 characters without '/', '+', '#' or spaces")
            return nil
        }
        return text
    }
}
