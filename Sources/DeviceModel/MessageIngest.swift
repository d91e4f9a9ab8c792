import Foundation

/// What becomes of one incoming message.
public enum IngestOutcome: Sendable, Hashable {
    case accepted([DeviceMessage])
    case rejected(Rejection)
}

/// The pure ingest step: size limit → the decoder that owns the topic → validation of each message.
/// A deterministic function of (registry, topic, payload, now).
public struct MessageIngest: Sendable {
    public var decoders: [any MessageDecoder]
    public var validator: MessageValidator

    /// Every wire format the gateway speaks.
    public static let standardDecoders: [any MessageDecoder] = [
        CanonicalDecoder(), AlinkDecoder(), OneNETDecoder(), IoTDADecoder(), HikvisionISAPIDecoder(), DahuaEventDecoder(),
    ]

    /// The MQTT subscriptions that reach every device topic of every format (`$`-topics are not matched
    /// by `#`, so each vendor's are listed), from the formats' own declarations.
    public static let subscriptions: [String] = standardDecoders.flatMap { decoder -> [String] in
        if case let .mqtt(filters) = decoder.transport { filters } else { [] }
    }

    /// The formats devices push over HTTP (`POST /api/v1/push/{format}/{deviceId}`).
    public static let pushFormats: [String] = standardDecoders.filter { $0.transport == .httpPush }.map(\.format)

    public init(decoders: [any MessageDecoder] = MessageIngest.standardDecoders, policy: IngestPolicy = IngestPolicy()) {
        self.decoders = decoders
        self.validator = MessageValidator(policy: policy)
    }

    public var policy: IngestPolicy { validator.policy }

    public func process(topic: String, payload: Data, registry: DeviceRegistry, now: Int64) -> IngestOutcome {
        process(RawMessage(topic: topic, payload: payload, receivedAt: now), registry: registry, now: now)
    }

    public func process(_ raw: RawMessage, registry: DeviceRegistry, now: Int64) -> IngestOutcome {
        decide(raw, registry: registry, now: now).outcome
    }

    /// What becomes of `raw` and what its device hears back (Alink/OneNET replies), with one decoder lookup.
    public func decide(_ raw: RawMessage, registry: DeviceRegistry, now: Int64) -> (outcome: IngestOutcome, reply: DeviceReply?) {
        let decoder = decoder(for: raw.topic)
        let outcome = process(raw, decoder: decoder, registry: registry, now: now)
        return (outcome, decoder?.reply(to: raw, outcome: outcome))
    }

    private func process(_ raw: RawMessage, decoder: (any MessageDecoder)?, registry: DeviceRegistry, now: Int64) -> IngestOutcome {
        guard raw.payload.count <= policy.maxPayloadBytes else {
            return .rejected(Rejection(.payloadTooLarge, "payload is \(raw.payload.count) bytes (limit \(policy.maxPayloadBytes))"))
        }
        guard let decoder else {
            return .rejected(Rejection(.badTopic, "no decoder handles this topic"))
        }
        do throws(Rejection) {
            var messages = try decoder.decode(raw, registry: registry)
            for index in messages.indices {
                guard let device = registry.device(messages[index].deviceID) else {
                    throw Rejection(.unknownDevice, "device \"\(messages[index].deviceID)\" is not registered", deviceID: messages[index].deviceID)
                }
                messages[index] = try validator.validate(messages[index], device: device, now: now)
            }
            return .accepted(messages)
        } catch {
            return .rejected(error)
        }
    }

    /// The decoder that owns `topic`: the first whose `handles(topic:)` says so.
    public func decoder(for topic: String) -> (any MessageDecoder)? {
        decoders.first { $0.handles(topic: topic) }
    }

    /// What the device expects to hear back about `raw`, if its protocol answers.
    public func reply(to raw: RawMessage, outcome: IngestOutcome) -> DeviceReply? {
        decoder(for: raw.topic)?.reply(to: raw, outcome: outcome)
    }
}
