import Foundation
@testable import GatewayRuntime
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The C shim under libmosquitto's socket (`Sources/CBufferedSocket`): what the network thread attaches is
/// read through one buffer and written in one go; nothing else — another descriptor, another thread — is
/// touched. A real socket pair; `read` and `write` are the process's own, as libmosquitto calls them.
@Suite("Socket shim under libmosquitto")
struct BufferedSocketTests {
    /// A connected, non-blocking pair: ours (attached) and the peer's (as the broker's end).
    static func pair() throws -> (ours: Int32, peer: Int32) {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0 else { throw POSIXError(.EIO) }
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        return (fds[0], fds[1])
    }

    static func send(_ fd: Int32, _ text: String) -> Int {
        Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    static func receive(_ fd: Int32, _ count: Int) -> String? {
        var buffer = [UInt8](repeating: 0, count: count)
        let got = read(fd, &buffer, count)
        return got < 0 ? nil : String(decoding: buffer.prefix(got), as: UTF8.self)
    }

    /// Runs `body` on a thread of its own and waits for it (another thread than the one that attached).
    static func onAnotherThread<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        let result = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            result.withLock { $0 = body() }
            done.signal()
        }.start()
        done.wait()
        return result.withLock { $0! }
    }

    @Test func readsComeFromOneRealReadAndWritesLeaveOnlyWhenFlushed() throws {
        let (ours, peer) = try Self.pair()
        defer { close(ours); close(peer) }
        #expect(SocketShim.attach(ours))
        defer { SocketShim.detach(ours) }
        #expect(!SocketShim.attach(peer), "one socket a thread")

        // Three "packets" arrive; libmosquitto asks one byte, then the rest: served from one read.
        #expect(Self.send(peer, "0abc1def2ghi") == 12)
        #expect(Self.receive(ours, 1) == "0")
        #expect(SocketShim.pendingInput(ours) == 11, "the whole arrival was read at once")
        #expect(Self.receive(ours, 3) == "abc")
        #expect(Self.receive(ours, 100) == "1def2ghi")
        #expect(Self.receive(ours, 1) == nil && errno == EAGAIN, "empty socket, empty buffer: EAGAIN as before")

        // Writes are held: the peer sees nothing until the flush, then everything, in order.
        #expect(Self.send(ours, "ack1") == 4)
        #expect(Self.send(ours, "ack2") == 4)
        #expect(SocketShim.pendingOutput(ours) == 8)
        #expect(Self.receive(peer, 64) == nil && errno == EAGAIN)
        #expect(SocketShim.flush(ours) == 0)
        #expect(Self.receive(peer, 64) == "ack1ack2")

        // Another thread reading or writing the same descriptor goes straight to the socket.
        #expect(Self.send(peer, "xyz") == 3)
        let fd = ours
        #expect(Self.onAnotherThread { Self.receive(fd, 64) } == "xyz")
        #expect(Self.onAnotherThread { Self.send(fd, "direct") } == 6)
        #expect(Self.receive(peer, 64) == "direct")
        #expect(SocketShim.pendingOutput(ours) == 0)

        // Detached: what was held is dropped and the descriptor is the C library's again.
        #expect(Self.send(peer, "after") == 5)
        #expect(Self.receive(ours, 1) == "a")
        SocketShim.detach(ours)
        #expect(SocketShim.pendingInput(ours) == 0)
        #expect(Self.receive(ours, 64) == nil && errno == EAGAIN, "the buffered rest went with the attachment")
        #expect(Self.send(ours, "plain") == 5)
        #expect(Self.receive(peer, 64) == "plain")
    }

    @Test func theWakeUpByteIsSilencedOnTheSilencingThreadOnly() throws {
        let (ours, peer) = try Self.pair()
        defer { close(ours); close(peer) }
        SocketShim.silenceWakePair(ours)
        defer { SocketShim.silenceWakePair(-1) }
        #expect(Self.send(ours, "w") == 1)
        #expect(Self.receive(peer, 8) == nil && errno == EAGAIN, "answered without a system call")
        #expect(Self.send(ours, "two") == 3, "only one-byte writes are wake-ups")
        #expect(Self.receive(peer, 8) == "two")
        let fd = ours
        #expect(Self.onAnotherThread { Self.send(fd, "w") } == 1)
        #expect(Self.receive(peer, 8) == "w", "another thread's byte is written")
    }

    @Test func mosquittoNewHandsOverItsWakeUpPair() throws {
        var fds: [Int32] = [-1, -1]
        let (_, captured) = SocketShim.captureWakePair {
            _ = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds)
            return nil
        }
        defer { close(fds[0]); close(fds[1]) }
        #expect(captured == fds[1], "the end libmosquitto writes its wake-ups to")
        // Outside a capture nothing is noted.
        #expect(SocketShim.captureWakePair { nil }.wakeFD == -1)
    }
}
