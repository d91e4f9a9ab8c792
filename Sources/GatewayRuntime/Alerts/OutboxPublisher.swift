import Foundation
import Synchronization

/// Sends the MQTT outbox at least once, in order: rows are published with QoS 1 and marked published only
/// when the broker's PUBACK arrives. Rows not acknowledged before a restart are sent again (the console
/// de-duplicates by alert id and `updated_at`). At most `window` publications are in flight.
///
/// What is pending is always read from the database (`published_at IS NULL`, minus what is in flight now),
/// never from an in-memory cursor: ids may be pruned away, and a cursor past them would stall the outbox.
/// Rows in flight across a reconnect are resent by libmosquitto after the CONNACK.
final class OutboxPublisher: Sendable {
    private struct State {
        var inflight: [Int32: Int64] = [:]
        /// PUBACKs reported before `mosquitto_publish` returned their message id to us.
        var early: Set<Int32> = []
        var acknowledged: [Int32] = []
    }

    private let state = Mutex(State())
    let bell: Doorbell
    let window: Int

    init(bell: Doorbell, window: Int = 64) {
        self.bell = bell
        self.window = window
    }

    /// From libmosquitto's network thread: record and wake the publisher.
    func acknowledged(_ mid: Int32) {
        state.withLock { $0.acknowledged.append(mid) }
        bell.ring()
    }

    var inflightCount: Int { state.withLock { $0.inflight.count } }

    /// Marks acknowledged rows, then publishes pending rows while the window has room.
    func step(client: MosquittoClient, connected: Bool, database: StoragePool, now: Int64) async throws {
        let done = state.withLock { state -> [Int64] in
            var done: [Int64] = []
            for mid in state.acknowledged {
                if let id = state.inflight.removeValue(forKey: mid) { done.append(id) } else { state.early.insert(mid) }
            }
            state.acknowledged.removeAll()
            return done
        }
        try await markPublished(done, database: database, now: now)
        guard connected else { return }
        let (room, flying) = state.withLock { (window - $0.inflight.count, Set($0.inflight.values)) }
        guard room > 0 else { return }
        let rows = try await StorageAccess.read(database) { db in
            try OutboxStore().pending(limit: room + flying.count, in: db)
        }.filter { !flying.contains($0.id) }.prefix(room)
        var immediatelyDone: [Int64] = []
        for row in rows {
            let id = row.id
            let mid = try client.publish(topic: row.topic, payload: row.payload, qos: 1, retain: row.retain)
            state.withLock { state in
                if state.early.remove(mid) != nil { immediatelyDone.append(id) } else { state.inflight[mid] = id }
            }
        }
        try await markPublished(immediatelyDone, database: database, now: now)
    }

    private func markPublished(_ ids: [Int64], database: StoragePool, now: Int64) async throws {
        guard !ids.isEmpty else { return }
        try await StorageAccess.write(database) { db in try OutboxStore().markPublished(ids, at: now, in: db) }
    }

    /// Rows not yet acknowledged by the broker.
    static func pendingCount(_ database: StoragePool) throws -> Int {
        try StorageAccess.readNow(database) { db in try OutboxStore().pendingCount(in: db) }
    }
}
