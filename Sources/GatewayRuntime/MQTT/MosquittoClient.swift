internal import CMosquitto
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An MQTT client over libmosquitto: persistent session, automatic reconnect with backoff, re-subscribe on
/// every connect, retained presence with a last will — and **QoS 1 acknowledged only after commit**.
///
/// libmosquitto queues the PUBACK of a QoS 1 message before it calls `on_message` (lib/handle_publish.c),
/// and in its own loops (`mosquitto_loop_forever`, `mosquitto_loop_start`) writes it at once, so a message
/// could be acknowledged to the broker and then lost in a crash. This client runs the network loop itself,
/// on a thread of its own, with `mosquitto_threaded_set(true)`, under which `packet__queue` only queues
/// (lib/packet_mosq.c) and nothing reaches the socket outside `mosquitto_loop_write`:
///
///     poll → mosquitto_loop_read (collect a batch) → hand it to the committer and wait (CommitHandoff)
///          → mosquitto_loop_write (the PUBACKs, now promises) → mosquitto_loop_misc (keep-alive)
///
/// A batch that cannot be committed is abandoned: the connection is dropped without writing, and the broker
/// redelivers it. Publications from other threads (alerts, device replies) are queued by libmosquitto and
/// written at the next `loop_write`; a wake pipe makes that prompt.
///
/// Thread rule: after `mosquitto_threaded_set(true)`, `mosquitto_publish`, `mosquitto_subscribe` and
/// `mosquitto_disconnect` may be called from any thread; `mosquitto_loop_*` and `mosquitto_reconnect` only
/// from the loop thread. The handle is created in `init` and destroyed only in ``stop()`` after the loop
/// thread has ended. Hence `@unchecked Sendable`.
public final class MosquittoClient: @unchecked Sendable {
    public let options: MQTTOptions
    public let events: AsyncStream<ConnectionEvent>
    public let inbox: CommitHandoff

    private let handle: OpaquePointer
    private let context: Unmanaged<CallbackContext>
    private let loopEnded = DispatchSemaphore(value: 0)
    private let lifecycle = NSLock()
    private var started = false
    private var stopped = false
    private let stopping = Atomic<Bool>(false)
    /// Written to wake the loop (a publication was queued, a stop was requested); read end non-blocking.
    private let wakePipe: (read: Int32, write: Int32)
    /// The end of libmosquitto's own wake-up socket pair it writes a byte to for every queued packet (for its
    /// own loops, which this client does not run): silenced on the loop thread. -1 if none was seen.
    private let wakePairFD: Int32

    /// `onPublished` is told the id of each publication the broker acknowledged (QoS 1) or that was sent
    /// (QoS 0); it runs on the network thread and must return at once.
    public init(
        options: MQTTOptions, inbox: CommitHandoff = CommitHandoff(), onPublished: (@Sendable (Int32) -> Void)? = nil
    ) throws(MosquittoError) {
        MosquittoLibrary.initialized
        self.options = options
        self.inbox = inbox
        let (stream, continuation) = AsyncStream.makeStream(of: ConnectionEvent.self, bufferingPolicy: .bufferingNewest(256))
        self.events = stream
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw MosquittoError(function: "pipe", code: Int32(MOSQ_ERR_ERRNO.rawValue), errnoValue: errno)
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakePipe = (fds[0], fds[1])
        let context = Unmanaged.passRetained(CallbackContext(
            maxPayloadBytes: options.maxPayloadBytes, events: continuation, subscriptions: options.subscriptions,
            presenceTopic: options.presenceTopic, onPublished: onPublished
        ))
        // mosquitto.h: "Returns a new mosquitto instance ... NULL on failure. Interrogate errno to determine
        // the cause for the failure: ENOMEM on out of memory, EINVAL on invalid input parameters."
        let (created, wakeFD) = SocketShim.captureWakePair {
            mosquitto_new(options.clientID, options.cleanSession, context.toOpaque())
        }
        wakePairFD = wakeFD
        guard let handle = created else {
            context.release()
            close(fds[0])
            close(fds[1])
            throw MosquittoError(function: "mosquitto_new", code: Int32(MOSQ_ERR_ERRNO.rawValue), errnoValue: errno)
        }
        self.handle = handle
        self.context = context
        do {
            try configure()
        } catch {
            mosquitto_destroy(handle)
            context.release()
            close(fds[0])
            close(fds[1])
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
            try check(mosquitto_tls_set(handle, options.caFile, caPath, options.certFile, options.keyFile, nil), "mosquitto_tls_set")
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
        close(wakePipe.read)
        close(wakePipe.write)
    }

    /// Starts connecting and the network loop. A broker that is down is retried with backoff.
    public func start() throws(MosquittoError) {
        lifecycle.lock()
        defer { lifecycle.unlock() }
        precondition(!started, "MosquittoClient.start() called twice")
        // connect_async's first attempt may fail (broker down): the loop then reconnects with backoff.
        let code = mosquitto_connect_async(handle, options.broker.host, options.broker.port, options.keepAliveSeconds)
        if code == Int32(MOSQ_ERR_INVAL.rawValue) { try check(code, "mosquitto_connect_async") }
        started = true
        let thread = Thread { [self] in
            let error = runLoop()
            inbox.finish()
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
        // Queued also while disconnected (MOSQ_ERR_NO_CONN for QoS ≥ 1): sent after the next CONNACK.
        if code != 0, !(code == Int32(MOSQ_ERR_NO_CONN.rawValue) && qos > 0) {
            counters.published.subtract(1, ordering: .relaxed)
            try check(code, "mosquitto_publish")
        }
        wake()
        return mid
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakePipe.write, &byte, 1)  // a full pipe already holds a wake-up
    }

    // MARK: - The network loop (loop thread only)

    /// Runs until a requested stop (returns nil) or a fatal error (returns its description).
    private func runLoop() -> String? {
        let context = self.context.takeUnretainedValue()
        var reconnectAttempt: UInt32 = 0
        var stopDeadline: ContinuousClock.Instant?
        // The socket whose reads and writes this thread buffers (CBufferedSocket): libmosquitto reads a packet
        // in three read(2) calls and writes each packet with its own; buffered, one call serves many packets.
        // Its wake-up writes to its own socket pair (read only by its own loops, not used here) are silenced.
        var buffered: Int32 = -1
        SocketShim.silenceWakePair(wakePairFD)
        defer {
            SocketShim.detach(buffered)
            SocketShim.silenceWakePair(-1)
        }
        while true {
            if stopping.load(ordering: .acquiring) {
                let now = ContinuousClock.now
                if stopDeadline == nil { stopDeadline = now + .seconds(5) }
                // A broker that does not take our last writes must not hold the stop forever.
                if let deadline = stopDeadline, now > deadline { return nil }
            }
            let socket = mosquitto_socket(handle)
            if socket != buffered {
                SocketShim.detach(buffered)
                buffered = SocketShim.attach(socket) ? socket : -1
            }
            if socket < 0 {
                if stopping.load(ordering: .acquiring) { return nil }
                let delay = reconnectAttempt == 0 ? 0 : min(options.reconnectDelayMaxSeconds,
                                                             options.reconnectDelaySeconds * reconnectAttempt * reconnectAttempt)
                if delay > 0 { waitForWake(milliseconds: Int32(delay) * 1000) }
                if stopping.load(ordering: .acquiring) { return nil }
                let code = mosquitto_reconnect(handle)
                if code != 0 {
                    if let fatal = Self.fatal(code) { return fatal }
                    reconnectAttempt = max(1, reconnectAttempt + 1)
                } else {
                    reconnectAttempt = 1
                }
                continue
            }
            let wantsWrite = mosquitto_want_write(handle) || SocketShim.pendingOutput(socket) > 0
            var fds = [
                pollfd(fd: socket, events: Int16(POLLIN) | (wantsWrite ? Int16(POLLOUT) : 0), revents: 0),
                pollfd(fd: wakePipe.read, events: Int16(POLLIN), revents: 0),
            ]
            // Bytes already in the read buffer are invisible to poll: look, but do not wait.
            let pending = SocketShim.pendingInput(socket) > 0
            let ready = poll(&fds, 2, pending ? 0 : 1000)
            if ready < 0, errno != EINTR { return "poll: \(String(cString: strerror(errno)))" }
            if pending { fds[0].revents |= Int16(POLLIN) }
            if fds[1].revents != 0 { drainWakePipe() }
            if fds[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                if let fatal = readBatch(context: context) { return fatal }
                if let fatal = linger(socket, context: context) { return fatal }
            }
            let batch = context.takeReceived()
            if !batch.isEmpty {
                guard inbox.deliver(batch, isStopping: { stopping.load(ordering: .acquiring) }) else {
                    // Not committed (the gateway stops and the database refuses writes): never write the
                    // queued PUBACKs. Closing without DISCONNECT leaves the batch with the broker.
                    return nil
                }
                if reconnectAttempt > 0, mosquitto_socket(handle) >= 0 { reconnectAttempt = 0 }
            }
            let writeSocket = mosquitto_socket(handle)
            if writeSocket >= 0, mosquitto_want_write(handle) {
                if let fatal = Self.fatal(mosquitto_loop_write(handle, 1)) { return fatal }
            }
            // What loop_write (or TLS) wrote is held by the buffer: out now, the batch's PUBACKs in one segment.
            if writeSocket >= 0, mosquitto_socket(handle) == writeSocket, SocketShim.pendingOutput(writeSocket) > 0 {
                SocketShim.flush(writeSocket)  // a broken connection is libmosquitto's next read's to report
            }
            if mosquitto_socket(handle) >= 0 {
                if let fatal = Self.fatal(mosquitto_loop_misc(handle)) { return fatal }
            }
        }
    }

    /// Reads packets while they bring messages, up to the batch limits. `loop_read` reads one packet a call
    /// for a QoS 1 subscriber and reports "no more data" as success, so the batch ends at the first call that
    /// brings no message (no data, or another kind of packet: the next poll picks up what follows). This also
    /// drains data TLS has already decrypted, which poll cannot see.
    private func readBatch(context: CallbackContext) -> String? {
        while true {
            let before = context.receivedCount.messages
            let code = mosquitto_loop_read(handle, 1)
            if code != 0 { return Self.fatal(code) }
            let (count, bytes, _) = context.receivedCount
            if count == before || count >= options.maxBatchMessages || bytes >= options.maxBatchBytes { return nil }
            guard mosquitto_socket(handle) >= 0 else { return nil }
        }
    }

    /// A batch of routine readings smaller than the limit waits for more: while messages keep coming within
    /// ``MQTTOptions/batchLingerMilliseconds`` of each other, up to ``MQTTOptions/batchLingerMaxMilliseconds``
    /// from the first. At a modest rate that is one commit (an fsync, a WAL write of every page touched) for
    /// several messages instead of one each. A batch holding anything else — an event such as a fall — is
    /// committed at once; so is one whose stream pauses (a broker that caps messages in flight waits for our
    /// PUBACKs), and one during which a publication was queued (an alert must not wait for routine readings).
    ///
    /// It looks every millisecond rather than waking for each message: at 15,000 msg/s one wake-up (a context
    /// switch, a poll, a read) gathers some fifteen messages instead of one or two. So an event arriving
    /// meanwhile is seen within a millisecond.
    private func linger(_ socket: Int32, context: CallbackContext) -> String? {
        guard options.batchLingerMilliseconds > 0 else { return nil }
        let gap = Duration.milliseconds(options.batchLingerMilliseconds)
        let deadline = ContinuousClock.now + .milliseconds(max(options.batchLingerMilliseconds, options.batchLingerMaxMilliseconds))
        var lastArrival = ContinuousClock.now
        while true {
            let received = context.receivedCount
            guard received.messages > 0, !received.urgent, received.messages < options.maxBatchMessages,
                  received.bytes < options.maxBatchBytes, mosquitto_socket(handle) >= 0 else { return nil }
            let now = ContinuousClock.now
            guard now < deadline, now - lastArrival < gap else { return nil }
            if SocketShim.pendingInput(socket) == 0 {
                _ = usleep(UInt32(min(Self.lingerLook, deadline - now).components.attoseconds / 1_000_000_000_000))
                // The wake pipe too: a publication queued meanwhile (an alert going out) ends the linger, so
                // that it is written now — after this batch's commit, as every write must be.
                var probes = [pollfd(fd: socket, events: Int16(POLLIN), revents: 0),
                              pollfd(fd: wakePipe.read, events: Int16(POLLIN), revents: 0)]
                guard poll(&probes, 2, 0) >= 0, probes[1].revents == 0 else { return nil }
                if probes[0].revents == 0 { continue }
            }
            if let fatal = readBatch(context: context) { return fatal }
            if context.receivedCount.messages > received.messages { lastArrival = ContinuousClock.now }
        }
    }

    /// How often a lingering batch looks for more messages.
    private static let lingerLook = Duration.milliseconds(1)

    private func waitForWake(milliseconds: Int32) {
        var fd = pollfd(fd: wakePipe.read, events: Int16(POLLIN), revents: 0)
        _ = poll(&fd, 1, milliseconds)
        drainWakePipe()
    }

    private func drainWakePipe() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(wakePipe.read, &buffer, buffer.count) > 0 {}
    }

    /// The description of a return code the loop cannot recover from (as `mosquitto_loop_forever` judges
    /// them), or nil for success and for connection losses (the loop reconnects).
    private static func fatal(_ code: Int32) -> String? {
        guard code != 0, fatalCodes.contains(code) else { return nil }
        return MosquittoError(function: "mosquitto network loop", code: code).description
    }

    private static let fatalCodes: Set<Int32> = Set([
        MOSQ_ERR_NOMEM, MOSQ_ERR_PROTOCOL, MOSQ_ERR_INVAL, MOSQ_ERR_NOT_FOUND, MOSQ_ERR_TLS, MOSQ_ERR_PAYLOAD_SIZE,
        MOSQ_ERR_NOT_SUPPORTED, MOSQ_ERR_AUTH, MOSQ_ERR_ACL_DENIED, MOSQ_ERR_UNKNOWN, MOSQ_ERR_EAI, MOSQ_ERR_PROXY,
    ].map { Int32($0.rawValue) })

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

    /// Publishes `offline` presence, disconnects (after the last PUBACKs), waits for the loop thread to end
    /// and frees the handle. The consumer gets `nil` from the hand-off once the loop has ended.
    public func stop() async {
        guard markStopping() else { return }
        // Both fail with MOSQ_ERR_NO_CONN when the broker is away: the will says `offline` then, and there is
        // nothing to disconnect. Any other failure is as harmless at this point (the loop ends either way).
        if let topic = options.presenceTopic {
            try? check(mosquitto_publish(handle, nil, topic, 7, "offline", 1, true), "mosquitto_publish (presence)")
        }
        try? check(mosquitto_disconnect(handle), "mosquitto_disconnect")
        stopping.store(true, ordering: .releasing)
        wake()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async { [loopEnded] in
                loopEnded.wait()
                continuation.resume()
            }
        }
        context.takeUnretainedValue().events.finish()
        mosquitto_destroy(handle)
        context.release()
    }
}
