import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Loopback port helpers for test servers.
public enum FreePort {
    /// A port that was free on 127.0.0.1 a moment ago, chosen below the kernel's ephemeral range (so that no
    /// outgoing connection or port-0 listener of another test can be handed it meanwhile) and never handed
    /// out twice by this process.
    public static func find() throws -> Int {
        let (low, high) = candidateRange()
        for _ in 0..<500 {
            let port = Int.random(in: low..<high)
            let fresh = handedOut.withLock { $0.insert(port).inserted }
            guard fresh, canBind(port) else { continue }
            return port
        }
        throw BrokerError("no free loopback port found in \(low)..<\(high)")
    }

    private static let handedOut = Mutex<Set<Int>>([])

    /// 10000 up to the start of the ephemeral range (`net.ipv4.ip_local_port_range`, 32768 by default).
    private static func candidateRange() -> (Int, Int) {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let ephemeralLow = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first.flatMap { Int($0) } ?? 32768
        let high = max(ephemeralLow, 12000)
        return (10000, high)
    }

    private static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return bound == 0
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    public static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result == 0
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
