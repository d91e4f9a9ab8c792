internal import CMosquitto
import Foundation
import Synchronization

/// An MQTT client over libmosquitto: persistent session, automatic reconnect with backoff, re-subscribe on
/// every connect, retained presence with a last will, and received messages handed to a ``BoundedInbox``.
///
/// The network loop runs `mosquitto_loop_forever` on a thread of our own (not `mosquitto_loop_start`,
/// whose thread silently drops fatal exits such as bad credentials), so its end is reported as
/// ``ConnectionEvent/loopExited(error:)``.
///
/// Thread rule: after `mosquitto_threaded_set(true)`, `mosquitto_publish`, `mosquitto_subscribe` and
/// `mosquitto_disconnect` may be called from any thread; the handle is created in `init` and destroyed only
/// in ``stop()`` after the loop thread has ended. Hence `@unchecked Sendable`.
public final class MosquittoClient: @unchecked Sendable {
    public let options: MQTTOptions
    public let events: AsyncStream<ConnectionEvent>
    public let inbox: BoundedInbox<InboundMessage>

    private let handle: OpaquePointer
    private let context: Unmanaged<CallbackContext>
    private let loopEnded = DispatchSemaphore(value: 0)
    private let lifecycle = NSLock()
    private var started = false
    private var stopped = false

    /// `onPublished` is told the id of each publication the broker acknowledged (QoS 1) or that was sent
    /// (QoS 0); it runs on the network thread and must return at once.
    public init(
        options: MQTTOptions, inbox: BoundedInbox<InboundMessage>, onPublished: (@Sendable (Int32) -> Void)? = nil
    ) throws(MosquittoError) {
        MosquittoLibrary.initialized
        self.options = options
        self.inbox = inbox
        let (stream, continuation) = AsyncStream.makeStream(of: ConnectionEvent.self, bufferingPolicy: .bufferingNewest(256))
        self.events = stream
        let context = Unmanaged.passRetained(CallbackContext(
            inbox: inbox, events: continuation, subscriptions: options.subscriptions, presenceTopic: options.presenceTopic,
            onPublished: onPublished
        ))
        // mosquitto.h: "Returns a new mosquitto instance ... NULL on failure. Interrogate errno to determine
        // the cause for the failure: ENOMEM on out of memory, EINVAL on invalid input parameters."
        guard let handle = mosquitto_new(options.clientID, options.cleanSession, context.toOpaque()) else {
            context.release()
            throw MosquittoError(function: "mosquitto_new", code: Int32(MOSQ_ERR_ERRNO.rawValue), errnoValue: errno)
        }
        self.handle = handle
        self.context = context
        do {
            try configure()
        } catch {
            mosquitto_destroy(handle)
            context.release()
            throw error
        }
    }

    private func configure() throws(MosquittoError) {
        // mosquitto.h: threaded_set "must be called if you are using mosquitto in a threaded application
        // without loop_start, otherwise you will experience crashes due to race conditions".
        try check(mosquitto_threaded_set(handle, true), "mosquitto_threaded_set")
        try check(mosquitto_reconnect_delay_set(handle, options.reconnectDelaySeconds, options.reconnectDelayMaxSeconds, true),
                  "mosquitto_reconnect_delay_set")
        if let username = options.username {
            try check(mosquitto_username_pw_set(handle, username, options.password), "mosquitto_username_pw_set")
        }
        if options.broker.usesTLS {
            let caPath = options.caFile == nil ? "/etc/ssl/certs" : nil
            try check(mosquitto_tls_set(handle, options.caFile, caPath, nil, nil, nil), "mosquitto_tls_set")
        }
        if let inflight = options.maxInflightMessages {
            try check(mosquitto_max_inflight_messages_set(handle, inflight), "mosquitto_max_inflight_messages_set")
        }
        if let topic = options.presenceTopic {
            try check(mosquitto_will_set(handle, topic, 7, "offline", 1, true), "mosquitto_will_set")
        }
        CallbackContext.install(on: handle)
    }

    deinit {
        assert(!started || stopped, "MosquittoClient released without stop()")
        if !started {
            mosquitto_destroy(handle)
            context.release()
        }
    }

    /// Starts connecting and the network loop. A broker that is down is retried with backoff.
    public func start() throws(MosquittoError) {
        lifecycle.lock()
        defer { lifecycle.unlock() }
        precondition(!started, "MosquittoClient.start() called twice")
        // connect_async's first attempt may fail (broker down): loop_forever then reconnects with backoff.
        let code = mosquitto_connect_async(handle, options.broker.host, options.broker.port, options.keepAliveSeconds)
        if code == Int32(MOSQ_ERR_INVAL.rawValue) { try check(code, "mosquitto_connect_async") }
        started = true
        let thread = Thread { [self] in
            let code = mosquitto_loop_forever(handle, 1000, 1)
            let error: String? = code == 0 ? nil : MosquittoError(
                function: "mosquitto_loop_forever", code: code, errnoValue: code == Int32(MOSQ_ERR_ERRNO.rawValue) ? errno : nil
            ).description
            context.takeUnretainedValue().events.yield(.loopExited(error: error))
            loopEnded.signal()
        }
        thread.name = "mqtt-loop"
        thread.start()
    }

    /// Publishes `payload`. Queued by libmosquitto while disconnected (QoS ≥ 1) and sent on reconnect.
    @discardableResult
    public func publish(topic: String, payload: Data, qos: Int32 = 1, retain: Bool = false) throws(MosquittoError) -> Int32 {
        var mid: Int32 = 0
        let counters = context.takeUnretainedValue()
        counters.published.add(1, ordering: .relaxed)
        let code = payload.withUnsafeBytes { bytes in
            mosquitto_publish(handle, &mid, topic, Int32(bytes.count), bytes.baseAddress, qos, retain)
        }
        if code != 0 { counters.published.subtract(1, ordering: .relaxed) }
        try check(code, "mosquitto_publish")
        return mid
    }

    /// Messages published but not yet sent (QoS 0) or acknowledged by the broker (QoS 1).
    public var pendingOutgoing: Int {
        let counters = context.takeUnretainedValue()
        return counters.published.load(ordering: .relaxed) - counters.acknowledged.load(ordering: .relaxed)
    }

    private func markStopping() -> Bool {
        lifecycle.withLock {
            guard started, !stopped else { return false }
            stopped = true
            return true
        }
    }

    /// Publishes `offline` presence, disconnects, waits for the loop thread to end and frees the handle.
    /// Finishes the inbox afterwards, so the consumer drains what was received and then stops.
    public func stop() async {
        guard markStopping() else { return }
        if let topic = options.presenceTopic {
            _ = mosquitto_publish(handle, nil, topic, 7, "offline", 1, true)
        }
        _ = mosquitto_disconnect(handle)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async { [loopEnded] in
                loopEnded.wait()
                continuation.resume()
            }
        }
        context.takeUnretainedValue().events.finish()
        mosquitto_destroy(handle)
        context.release()
        inbox.finish()
    }
}
