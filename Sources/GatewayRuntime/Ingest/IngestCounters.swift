import DeviceModel
import Synchronization

/// Counts of what the ingest loop did since start. Read by logs now and by `/metrics` later.
public final class IngestCounters: Sendable {
    public struct Snapshot: Sendable, Equatable {
        public var received = 0
        public var stored = 0
        public var duplicates = 0
        public var rejected: [Rejection.Reason: Int] = [:]
        public var rejectedTotal: Int { rejected.values.reduce(0, +) }
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func record(received: Int, stored: Int, duplicates: Int, rejected: [Rejection.Reason]) {
        state.withLock { snapshot in
            snapshot.received += received
            snapshot.stored += stored
            snapshot.duplicates += duplicates
            for reason in rejected { snapshot.rejected[reason, default: 0] += 1 }
        }
    }
}
