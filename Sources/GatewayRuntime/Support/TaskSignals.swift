import Synchronization

/// Wakes the tasks waiting on it (every one of them); a ring while nobody waits is remembered once.
final class Doorbell: Sendable {
    private let state = Mutex<(rung: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func ring() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.waiters.isEmpty else {
                state.rung = true
                return []
            }
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns at the next ring (at once if it rang since the last wait), or when the task is cancelled.
    func wait() async {
        await withTaskCancellationHandler {
            await park()
        } onCancel: {
            ring()
        }
    }

    private func park() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.rung {
                    state.rung = false
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}

/// A one-way flag shared between tasks.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
