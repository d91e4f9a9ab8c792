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

    public init(decoders: [any MessageDecoder] = [CanonicalDecoder()], policy: IngestPolicy = IngestPolicy()) {
        self.decoders = decoders
        self.validator = MessageValidator(policy: policy)
    }

    public var policy: IngestPolicy { validator.policy }

    public func process(topic: String, payload: Data, registry: DeviceRegistry, now: Int64) -> IngestOutcome {
        guard payload.count <= policy.maxPayloadBytes else {
            return .rejected(Rejection(.payloadTooLarge, "payload is \(payload.count) bytes (limit \(policy.maxPayloadBytes))"))
        }
        guard let decoder = decoders.first(where: { $0.handles(topic: topic) }) else {
            return .rejected(Rejection(.badTopic, "no decoder handles this topic"))
        }
        do throws(Rejection) {
            let messages = try decoder.decode(topic: topic, payload: payload, registry: registry)
            for message in messages {
                guard let device = registry.device(message.deviceID) else {
                    throw Rejection(.unknownDevice, "device \"\(message.deviceID)\" is not registered", deviceID: message.deviceID)
                }
                try validator.validate(message, device: device, now: now)
            }
            return .accepted(messages)
        } catch {
            return .rejected(error)
        }
    }
}
