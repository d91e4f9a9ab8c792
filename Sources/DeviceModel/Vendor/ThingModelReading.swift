import Foundation

/// One property value or one event as a thing-model post carries it, before mapping.
public struct ThingModelReading: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case property
        case event
    }

    public var kind: Kind
    /// The thing-model identifier (`HeartRate`; for IoTDA `service_id.property`).
    public var identifier: String
    public var value: JSONValue
    /// Device time of this reading (epoch ms): the per-property `time`, or the arrival time when absent.
    public var ts: Int64

    public init(_ kind: Kind, _ identifier: String, value: JSONValue, ts: Int64) {
        self.kind = kind
        self.identifier = identifier
        self.value = value
        self.ts = ts
    }
}

/// Maps thing-model readings onto canonical messages through a product's ``ProductMapping``:
/// metrics of one `ts` become one telemetry message, state values and events become canonical events,
/// and an identifier the mapping does not know becomes a `vendor.unknown` event with the native code.
public struct ThingModelTranslator: Sendable {
    public var format: String

    public init(format: String) { self.format = format }

    /// `alternatives` gives, per reading, further identifiers to try (IoTDA: the bare property name).
    public func messages(
        _ readings: [ThingModelReading], mapping: ProductMapping, device: Device,
        alternatives: (String) -> [String] = { _ in [] }
    ) throws(Rejection) -> [DeviceMessage] {
        var metricsByTime: [Int64: [String: Double]] = [:]
        var identifiersByTime: [Int64: [String]] = [:]
        var messages: [DeviceMessage] = []
        var problems: [(ts: Int64, problem: FieldProblem)] = []
        func event(_ name: String, _ ts: Int64, _ key: String, _ data: [String: JSONValue]) {
            messages.append(DeviceMessage(deviceID: device.id, community: device.community, ts: ts,
                                          body: .event(name: name, data: data), format: format, nativeKey: key))
        }
        for reading in readings {
            let candidates = [reading.identifier] + alternatives(reading.identifier)
            switch reading.kind {
            case .property:
                guard let (identifier, property) = candidates.lazy.compactMap({ id in mapping.properties[id].map { (id, $0) } }).first else {
                    event(DeviceMessage.unknownVendorEvent, reading.ts, "u:p:\(reading.identifier)", unknownData(reading))
                    continue
                }
                switch property {
                case let .metric(name, scale):
                    guard let number = Self.number(reading.value) else {
                        problems.append((reading.ts, FieldProblem(field: name, reason: .invalidPayload,
                                                                  detail: "property `\(reading.identifier)` must be a number")))
                        continue
                    }
                    metricsByTime[reading.ts, default: [:]][name] = number * scale
                    identifiersByTime[reading.ts, default: []].append(identifier)
                case let .events(table):
                    guard let text = Self.text(reading.value) else {
                        throw Rejection(.invalidPayload, "property `\(reading.identifier)` must be a single value", deviceID: device.id)
                    }
                    if let name = table[text] {
                        event(name, reading.ts, "p:\(identifier)=\(text)", ["native_code": .string(identifier), "value": reading.value])
                    }
                }
            case .event:
                guard let name = candidates.lazy.compactMap({ mapping.events[$0] }).first else {
                    event(DeviceMessage.unknownVendorEvent, reading.ts, "u:e:\(reading.identifier)", unknownData(reading))
                    continue
                }
                var data: [String: JSONValue] = ["native_code": .string(reading.identifier)]
                if case let .object(params) = reading.value, !params.isEmpty { data["params"] = .object(params) }
                event(name, reading.ts, "e:\(reading.identifier)", data)
            }
        }
        var telemetry = metricsByTime.keys.sorted().map { ts in
            DeviceMessage(deviceID: device.id, community: device.community, ts: ts, body: .telemetry(metricsByTime[ts]!),
                          format: format, nativeKey: "p:" + identifiersByTime[ts]!.sorted().joined(separator: ","))
        }
        // A property of the wrong type is a field problem of the reading of its time (or of the post's first
        // message); a post with nothing valid at all is refused.
        for (ts, problem) in problems {
            if let index = telemetry.firstIndex(where: { $0.ts == ts }) {
                telemetry[index].fieldProblems.append(problem)
            } else if !telemetry.isEmpty {
                telemetry[0].fieldProblems.append(problem)
            } else if !messages.isEmpty {
                messages[0].fieldProblems.append(problem)
            } else {
                throw Rejection(problem.reason, problem.detail, deviceID: device.id)
            }
        }
        return telemetry + messages
    }

    private func unknownData(_ reading: ThingModelReading) -> [String: JSONValue] {
        ["format": .string(format), "native_code": .string(reading.identifier),
         "kind": .string(reading.kind == .property ? "property" : "event"), "value": reading.value]
    }

    /// Numbers as sent; `true`/`false` as 1/0; numeric text ("23.6") as its number.
    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case let .number(number): number.isFinite ? number : nil
        case let .integer(number): Double(number)
        case let .bool(flag): flag ? 1 : 0
        case let .string(text): Double(text.trimmingCharacters(in: .whitespaces)).flatMap { $0.isFinite ? $0 : nil }
        default: nil
        }
    }

    /// A state value as the text a mapping table names it by: `1` (not `1.0`), `true`, `alarm`.
    static func text(_ value: JSONValue) -> String? {
        switch value {
        case let .number(number):
            number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case let .integer(number): String(number)
        case let .bool(flag): flag ? "true" : "false"
        case let .string(text): text
        default: nil
        }
    }
}
