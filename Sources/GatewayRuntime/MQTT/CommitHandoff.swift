import Foundation

/// The hand-off between the MQTT network thread and the task that commits what it received, on terms
/// that make a PUBACK a promise: the network thread hands over one batch and **waits** until the consumer
/// says it is committed (``complete()``); only then does it write the PUBACKs libmosquitto queued while
/// reading (see ``MosquittoClient``). While it waits it reads nothing more, so TCP back-pressure reaches
/// the broker, which keeps the rest for our persistent session.
///
/// With a ``Committer`` installed (the gateway's ingest does this), the network thread commits the batch
/// itself, synchronously: no thread is woken and none waits for a batch, which at a modest rate was most of
/// the CPU a message. The committer returns `false` when the batch could not be committed before a stop.
///
/// A batch whose commit cannot happen (database unwritable at shutdown) is ``abandon()``ed: the network
/// thread closes the connection without writing, and the broker redelivers the batch to the next run.
///
/// Thread rule: ``deliver(_:)`` is called from the one network thread; ``nextBatch()`` / ``complete()``
/// from one async consumer. All state is guarded by `condition`'s lock, never held across a suspension.
public final class CommitHandoff: @unchecked Sendable {
    /// `false` for consumers that keep nothing (test subscribers, load generators' counters): the network
    /// thread hands batches over and goes on reading without waiting.
    public let waitsForCommit: Bool
    private let condition = NSCondition()
    private var queue: [[InboundMessage]] = []
    private var delivered = 0
    private var taken = 0
    private var committed = 0
    private var abandoned = false
    private var finished = false
    private var waitingConsumer: CheckedContinuation<Void, Never>?
    private var slowCount = 0

    /// Commits a batch on the calling (network) thread: `true` once committed, `false` when it could not be
    /// before the client stops (`isStopping` turns true); the batch is then left unacknowledged.
    public typealias Committer = @Sendable (_ batch: [InboundMessage], _ isStopping: () -> Bool) -> Bool
    private var committer: Committer?

    public init(waitsForCommit: Bool = true) {
        self.waitsForCommit = waitsForCommit
    }

    /// Installs the synchronous committer; from then on batches no longer go through ``nextBatch()``. Set it
    /// before the client starts.
    public func commitOnNetworkThread(_ committer: @escaping Committer) {
        condition.withLock { self.committer = committer }
    }

    /// Batches handed over so far.
    public var batches: Int { condition.withLock { delivered } }

    /// Batches whose commit had to be retried (the database refused a write): back-pressure episodes.
    public var stalls: Int { condition.withLock { slowCount } }

    /// Network thread: hands `batch` over and, when ``waitsForCommit``, waits until it is committed
    /// (`true`) or abandoned (`false`).
    func deliver(_ batch: [InboundMessage], isStopping: () -> Bool = { false }) -> Bool {
        condition.lock()
        guard !abandoned, !finished else {
            condition.unlock()
            return false
        }
        if let committer {
            delivered += 1
            condition.unlock()
            return committer(batch, isStopping)
        }
        queue.append(batch)
        delivered += 1
        let sequence = delivered
        let consumer = waitingConsumer
        waitingConsumer = nil
        condition.unlock()
        consumer?.resume()
        guard waitsForCommit else { return true }
        condition.lock()
        while committed < sequence, !abandoned { condition.wait() }
        let result = committed >= sequence
        condition.unlock()
        return result
    }

    /// Consumer: the next batch to commit, or `nil` once the network thread has stopped (or the hand-off
    /// was abandoned).
    public func nextBatch() async -> [InboundMessage]? {
        while true {
            switch poll() {
            case let .batch(batch): return batch
            case .finished: return nil
            case .empty:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    park(continuation)
                }
            }
        }
    }

    /// Consumer: the batch from ``nextBatch()`` is committed; its PUBACKs may go out.
    public func complete() {
        condition.lock()
        if !abandoned { committed = taken }
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: a commit was retried (counted as a stall).
    public func noteRetry() {
        condition.withLock { slowCount += 1 }
    }

    /// For consumers that keep nothing: the next batch, acknowledged at once.
    public func takeBatch() async -> [InboundMessage]? {
        guard let batch = await nextBatch() else { return nil }
        complete()
        return batch
    }

    /// The batch being committed cannot be (the gateway is stopping and the database refuses writes): the
    /// network thread stops waiting and drops the connection without acknowledging.
    public func abandon() {
        condition.lock()
        abandoned = true
        condition.broadcast()
        let consumer = waitingConsumer
        waitingConsumer = nil
        condition.unlock()
        consumer?.resume()
    }

    /// Whether ``abandon()`` was called: a consumer retrying a commit stops.
    public var isAbandoned: Bool { condition.withLock { abandoned } }

    /// Network thread, after its last batch: the consumer drains what is queued, then gets `nil`.
    func finish() {
        condition.lock()
        finished = true
        let consumer = waitingConsumer
        waitingConsumer = nil
        condition.broadcast()
        condition.unlock()
        consumer?.resume()
    }

    private enum Poll {
        case batch([InboundMessage])
        case empty
        case finished
    }

    private func poll() -> Poll {
        condition.lock()
        defer { condition.unlock() }
        if abandoned { return .finished }
        if !queue.isEmpty {
            taken += 1
            return .batch(queue.removeFirst())
        }
        return finished ? .finished : .empty
    }

    private func park(_ continuation: CheckedContinuation<Void, Never>) {
        condition.lock()
        if !queue.isEmpty || finished || abandoned {
            condition.unlock()
            continuation.resume()
        } else {
            waitingConsumer = continuation
            condition.unlock()
        }
    }
}
