import DeviceModel

/// Reads `vendor_products` from devices.yaml: the thing-model mapping of each vendor product, as data.
///
/// ```yaml
/// vendor_products:
///   - protocol: alink            # alink | onenet | iotda
///     product: a1HealthBand      # Alink productKey, OneNET product id, IoTDA product id
///     device_type: wristband
///     properties:                # thing-model property → canonical metric
///       HeartRate: heart_rate
///       BodyTemp: { metric: body_temp, scale: 0.1 }    # the device sends tenths of a degree
///       SOSState: { events: { "1": sos } }              # a state property whose values are events
///     events:                    # thing-model event → canonical event
///       FallAlarm: fall_detected
/// ```
/// IoTDA identifiers are `service_id.property` (or the bare property name), `service_id.event_type`.
enum VendorProductReader {
    static func read(_ top: YAMLRecord, file: String, issues: inout [ValidationIssue]) -> [ProductDraft] {
        var products: [ProductDraft] = []
        for (index, node) in top.sequence("vendor_products", issues: &issues).enumerated() {
            let path = "vendor_products[\(index)]"
            guard let record = YAMLRecord(node, file: file, path: path,
                                          allowedKeys: ["protocol", "product", "device_type", "properties", "events"], issues: &issues)
            else { continue }
            var product = ProductDraft()
            product.vendorProtocol = record.scalar("protocol", issues: &issues)
            product.product = record.scalar("product", issues: &issues)
            product.deviceType = record.scalar("device_type", issues: &issues)
            product.origins = record.origins
            for (identifier, valueNode, location) in entries(record, "properties", file: file, issues: &issues) {
                var property = PropertyDraft()
                property.origins = FieldOrigins(record: location)
                switch valueNode {
                case let .scalar(scalar):
                    property.metric = scalar.string
                    property.origins.set("metric", location)
                case .mapping:
                    guard let mapping = YAMLRecord(valueNode, file: file, path: "\(path).properties.\(identifier)",
                                                   allowedKeys: ["metric", "scale", "events"], issues: &issues) else { continue }
                    property.metric = mapping.scalar("metric", issues: &issues)
                    property.scale = mapping.scalar("scale", issues: &issues)
                    property.origins = mapping.origins
                    if mapping.values["events"] != nil {
                        property.events = entries(mapping, "events", file: file, issues: &issues).compactMap { value, node, location in
                            guard let event = node.string else {
                                issues.append(ValidationIssue(location: location, path: "\(path).properties.\(identifier).events.\(value)",
                                                              message: "expected an event name"))
                                return nil
                            }
                            return (value, event)
                        }
                    }
                default:
                    issues.append(ValidationIssue(location: location, path: "\(path).properties.\(identifier)",
                                                  message: "expected a metric name or {metric, scale} or {events}"))
                    continue
                }
                product.properties.append((identifier, property))
            }
            for (identifier, valueNode, location) in entries(record, "events", file: file, issues: &issues) {
                guard let event = valueNode.string else {
                    issues.append(ValidationIssue(location: location, path: "\(path).events.\(identifier)", message: "expected an event name"))
                    continue
                }
                product.events.append((identifier, event, FieldOrigins(record: location, fields: location.map { [identifier: $0] } ?? [:])))
            }
            products.append(product)
        }
        return products
    }

    /// `isapi_event_types`: `name: event` or `name: {event: …, ends_with: …}`.
    static func readAnalyticsTypes(_ top: YAMLRecord, file: String, issues: inout [ValidationIssue]) -> [AnalyticsTypeDraft] {
        entries(top, "isapi_event_types", file: file, issues: &issues).compactMap { name, node, location in
            var draft = AnalyticsTypeDraft(name: name)
            draft.origins = FieldOrigins(record: location, fields: location.map { ["event": $0] } ?? [:])
            switch node {
            case let .scalar(scalar):
                draft.event = scalar.string
            case .mapping:
                guard let record = YAMLRecord(node, file: file, path: "isapi_event_types.\(name)", allowedKeys: ["event", "ends_with"],
                                              issues: &issues) else { return nil }
                draft.event = record.scalar("event", issues: &issues)
                draft.endsWith = record.scalar("ends_with", issues: &issues)
                draft.origins = record.origins
            default:
                issues.append(ValidationIssue(location: location, path: "isapi_event_types.\(name)",
                                              message: "expected an event name or {event, ends_with}"))
                return nil
            }
            return draft
        }
    }

    /// The entries of a mapping-valued key in file order, each with its value's location.
    private static func entries(
        _ record: YAMLRecord, _ key: String, file: String, issues: inout [ValidationIssue]
    ) -> [(String, ConfigNode, SourceLocation?)] {
        guard let node = record.values[key] else { return [] }
        guard case let .mapping(mapping) = node else {
            issues.append(ValidationIssue(location: record.origins[key], path: "\(record.path).\(key)",
                                          message: "expected a mapping of identifiers"))
            return []
        }
        var seen = Set<String>()
        var result: [(String, ConfigNode, SourceLocation?)] = []
        for (keyNode, valueNode) in mapping {
            guard let identifier = keyNode.string, !identifier.isEmpty else { continue }
            let location = YAMLRecord.location(of: valueNode, file: file) ?? YAMLRecord.location(of: keyNode, file: file)
            guard seen.insert(identifier).inserted else {
                issues.append(ValidationIssue(location: YAMLRecord.location(of: keyNode, file: file), path: "\(record.path).\(key).\(identifier)",
                                              message: "duplicate identifier `\(identifier)`"))
                continue
            }
            result.append((identifier, valueNode, location))
        }
        return result
    }
}
