import Foundation
import Synchronization

/// Whether the database took the last write, and if not, why: ingest sets it, `/readyz` reports it.
public final class StorageHealth: Sendable {
    private let failure = Mutex<(reason: String, since: Int64)?>(nil)

    public init() {}

    func writeFailed(_ error: any Error) {
        let reason = String(describing: error).prefix(300)
        failure.withLock { state in
            state = (String(reason), state?.since ?? Int64(Date().timeIntervalSince1970 * 1000))
        }
    }

    func recovered() {
        failure.withLock { $0 = nil }
    }

    /// Why the last write failed and since when (epoch ms), or nil while writes succeed.
    public var lastFailure: (reason: String, since: Int64)? { failure.withLock { $0 } }
}
