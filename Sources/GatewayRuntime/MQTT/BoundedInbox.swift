import Foundation

/// The hand-off between libmosquitto's network thread and the async ingest loop.
///
/// libmosquitto PUBACKs a QoS 1 message *before* it calls `on_message`, so a message dropped here would be
/// lost for good. A full inbox therefore never drops: ``put(_:)`` blocks the network thread until the
/// consumer makes room. While it waits, libmosquitto reads nothing more from the socket, TCP backpressure
/// reaches the broker, and the broker keeps the rest queued for our persistent session. Each such wait is
/// counted as a stall.
///
/// Thread rule: `put` is called from one producer thread (the loop thread); `takeBatch` from one async
/// consumer. All state is guarded by `condition`'s lock, which is never held across a suspension point.
public final class BoundedInbox<Element: Sendable>: @unchecked Sendable {
    public let capacity: Int
    private let condition = NSCondition()
    private var buffer: [Element] = []
    private var head = 0
    private var finished = false
    private var waitingConsumer: CheckedContinuation<Void, Never>?
    private var stallCount = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "inbox capacity must be positive")
        self.capacity = capacity
        buffer.reserveCapacity(capacity)
    }

    /// Number of times a producer found the inbox full and had to wait.
    public var stalls: Int { condition.withLock { stallCount } }

    /// Number of elements waiting.
    public var count: Int { condition.withLock { buffer.count - head } }

    /// Appends `element`, waiting while the inbox is full. Returns `false` only after ``finish()``, which
    /// happens once the producer has stopped; an element offered then is a programming error.
    @discardableResult
    public func put(_ element: Element) -> Bool {
        condition.lock()
        if buffer.count - head >= capacity, !finished {
            stallCount += 1
            while buffer.count - head >= capacity, !finished { condition.wait() }
        }
        guard !finished else {
            condition.unlock()
            assertionFailure("BoundedInbox.put after finish")
            return false
        }
        buffer.append(element)
        let consumer = waitingConsumer
        waitingConsumer = nil
        condition.unlock()
        consumer?.resume()
        return true
    }

    /// Takes up to `max` elements, waiting while the inbox is empty. Returns `nil` once the inbox is
    /// finished and drained.
    public func takeBatch(max: Int) async -> [Element]? {
        while true {
            switch take(max: max) {
            case let .batch(batch): return batch
            case .finished: return nil
            case .empty:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    parkConsumer(continuation)
                }
            }
        }
    }

    private enum Take {
        case batch([Element])
        case empty
        case finished
    }

    private func take(max: Int) -> Take {
        condition.lock()
        defer { condition.unlock() }
        let available = buffer.count - head
        guard available > 0 else { return finished ? .finished : .empty }
        let end = head + min(max, available)
        let batch = Array(buffer[head..<end])
        head = end
        if head == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            head = 0
        } else if head > capacity {
            buffer.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return .batch(batch)
    }

    /// Parks the consumer until an element arrives or the inbox finishes (resumes at once if either happened).
    private func parkConsumer(_ continuation: CheckedContinuation<Void, Never>) {
        condition.lock()
        if buffer.count - head > 0 || finished {
            condition.unlock()
            continuation.resume()
        } else {
            waitingConsumer = continuation
            condition.unlock()
        }
    }

    /// Marks the end of input: the consumer drains what is left, then gets `nil`.
    public func finish() {
        condition.lock()
        finished = true
        let consumer = waitingConsumer
        waitingConsumer = nil
        condition.broadcast()
        condition.unlock()
        consumer?.resume()
    }
}
