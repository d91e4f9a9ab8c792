internal import CBufferedSocket

/// The C shim under libmosquitto's socket (`Sources/CBufferedSocket`, where the why and the safety rules are
/// written), as the network loop uses it. Thread-local: each call concerns the calling thread's attachment.
enum SocketShim {
    /// Buffers the calling thread's reads and writes of `fd`; false when the thread has another socket attached.
    static func attach(_ fd: Int32) -> Bool { gatewayd_socket_attach(fd) }
    /// Stops buffering `fd` and drops what is held.
    static func detach(_ fd: Int32) { gatewayd_socket_detach(fd) }
    /// Bytes read from `fd` and not handed out yet (invisible to `poll`).
    static func pendingInput(_ fd: Int32) -> Int { gatewayd_socket_pending_input(fd) }
    /// Bytes written to `fd` and held.
    static func pendingOutput(_ fd: Int32) -> Int { gatewayd_socket_pending_output(fd) }
    /// Sends what is held; returns what is still held, or -1 when the connection is gone.
    @discardableResult
    static func flush(_ fd: Int32) -> Int { gatewayd_socket_flush(fd) }
    /// Notes the wake-up socket pair `mosquitto_new` opens on the calling thread (around the call).
    static func captureWakePair(_ body: () -> OpaquePointer?) -> (OpaquePointer?, wakeFD: Int32) {
        gatewayd_wake_pair_capture_begin()
        let result = body()
        return (result, gatewayd_wake_pair_capture_end())
    }
    /// One-byte writes to `fd` on the calling thread are answered without a system call (-1: off).
    static func silenceWakePair(_ fd: Int32) { gatewayd_wake_pair_silence(fd) }
}
