internal import CMosquitto
import Foundation
import DeviceModel
import Synchronization

/// What libmosquitto's C callbacks reach through their `obj` pointer. It is retained by the client from
/// `mosquitto_new` until after `mosquitto_destroy`, so it outlives every callback.
///
/// Callbacks run on the loop thread with libmosquitto's callback mutex held and the message freed on
/// return: they copy, hand off and return. No logging, no SQLite, no `*_callback_set` in them.
/// Received messages are collected in ``received`` for the loop to hand over as one batch; a payload over
/// ``maxPayloadBytes`` is cut here (its size kept) and becomes a `payload_too_large` dead letter.
final class CallbackContext: Sendable {
    let received = Mutex(ReceivedBatch())
    let maxPayloadBytes: Int
    let events: AsyncStream<ConnectionEvent>.Continuation
    let subscriptions: [String]
    let presenceTopic: String?
    /// Messages handed to `mosquitto_publish`, and those libmosquitto reported done (`on_publish`: sent for
    /// QoS 0, PUBACK received for QoS 1). The difference is what is still in flight or queued.
    let published = Atomic<Int>(0)
    let acknowledged = Atomic<Int>(0)
    /// Told the message id of each publication libmosquitto reports done. Must return at once.
    let onPublished: (@Sendable (Int32) -> Void)?

    init(
        maxPayloadBytes: Int, events: AsyncStream<ConnectionEvent>.Continuation,
        subscriptions: [String], presenceTopic: String?, onPublished: (@Sendable (Int32) -> Void)?
    ) {
        self.onPublished = onPublished
        self.maxPayloadBytes = maxPayloadBytes
        self.events = events
        self.subscriptions = subscriptions
        self.presenceTopic = presenceTopic
    }

    /// How much of an oversized payload is kept (for its dead letter).
    static let oversizeKeptBytes = 4096

    /// What the callbacks collected since the loop last took it.
    struct ReceivedBatch {
        var messages: [InboundMessage] = []
        var bytes = 0
        /// A message that is not a routine reading (``DeviceTopic/isRoutineReading(_:)``) is in the batch: it
        /// is committed without lingering for more.
        var urgent = false
    }

    /// Takes what the callbacks collected since the last call.
    func takeReceived() -> [InboundMessage] {
        received.withLock { received in
            defer { received = ReceivedBatch() }
            return received.messages
        }
    }

    var receivedCount: (messages: Int, bytes: Int, urgent: Bool) {
        received.withLock { ($0.messages.count, $0.bytes, $0.urgent) }
    }

    static func from(_ obj: UnsafeMutableRawPointer?) -> CallbackContext? {
        obj.map { Unmanaged<CallbackContext>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Installs the C callbacks on `handle`. Called once, before connecting (setters take the callback mutex).
    static func install(on handle: OpaquePointer) {
        mosquitto_connect_callback_set(handle) { mosq, obj, code in
            guard let context = CallbackContext.from(obj), let mosq else { return }
            guard code == 0 else {
                context.events.yield(.refused(code: code, reason: String(cString: mosquitto_connack_string(code))))
                return
            }
            // Subscriptions are repeated on every connect: a broker without persistence forgets them.
            for filter in context.subscriptions {
                let code = mosquitto_subscribe(mosq, nil, filter, 1)
                if code != 0 { context.events.yield(.subscribeFailed(filter: filter, code: code)) }
            }
            if let topic = context.presenceTopic {
                context.published.add(1, ordering: .relaxed)
                let code = mosquitto_publish(mosq, nil, topic, 6, "online", 1, true)
                if code != 0 {
                    context.published.subtract(1, ordering: .relaxed)
                    context.events.yield(.callFailed(MosquittoError(function: "mosquitto_publish (presence)", code: code).description))
                }
            }
            context.events.yield(.connected)
        }
        mosquitto_disconnect_callback_set(handle) { _, obj, code in
            CallbackContext.from(obj)?.events.yield(.disconnected(code: code))
        }
        mosquitto_publish_callback_set(handle) { _, obj, mid in
            guard let context = CallbackContext.from(obj) else { return }
            context.acknowledged.add(1, ordering: .relaxed)
            context.onPublished?(mid)
        }
        mosquitto_message_callback_set(handle) { _, obj, message in
            guard let context = CallbackContext.from(obj), let message else { return }
            let raw = message.pointee
            let topic = raw.topic.map { String(cString: $0) } ?? ""
            let size = Int(raw.payloadlen)
            // An oversized payload is never copied whole: its first bytes are kept for the dead letter.
            let kept = size > context.maxPayloadBytes ? CallbackContext.oversizeKeptBytes : size
            let payload = raw.payload.map { Data(bytes: $0, count: kept) } ?? Data()
            var inbound = InboundMessage(topic: topic, payload: payload, qos: raw.qos, retained: raw.retain)
            inbound.payloadSize = size
            if size > context.maxPayloadBytes {
                inbound.preRejected = Rejection(.payloadTooLarge, "payload is \(size) bytes (limit \(context.maxPayloadBytes))")
            }
            let urgent = !DeviceTopic.isRoutineReading(topic)
            context.received.withLock { received in
                received.messages.append(inbound)
                received.bytes += kept + topic.utf8.count
                if urgent { received.urgent = true }
            }
        }
        mosquitto_subscribe_callback_set(handle) { _, obj, mid, count, granted in
            guard let context = CallbackContext.from(obj), let granted else { return }
            // 0x80: the broker refused the subscription (an ACL): the gateway would be deaf to that filter.
            for index in 0..<Int(count) where granted[index] == 0x80 {
                context.events.yield(.subscriptionRefused(index: index))
            }
        }
    }
}
