import Synchronization

/// Which devices' `device_state` rows were written so recently that a routine message (anything but a
/// `status`) need not write its device's again. Every message used to update its device's row: at 10,000
/// devices that is a random page a message in the WAL at every commit (a tenth of the CPU at 15,000 msg/s).
/// Now a device that stays online has its row written at most once per ``intervalMillis``: `last_seen_at` and
/// `last_ts` are at most that much behind (every reading itself is in `events`), while a device's first
/// message, every `status` message and the first message after one are written at once — `online`,
/// `first_seen_at` and `status_changed_at` are never late. Only what a committed transaction wrote is
/// recorded (``confirm(_:)`` after the commit), so a rolled-back batch writes again when retried.
final class DeviceStateThrottle: Sendable {
    let intervalMillis: Int64
    /// Device id → gateway time its row was last written by a routine message (the device online).
    private let written = Mutex<[String: Int64]>([:])

    init(intervalMillis: Int64 = 30_000) {
        self.intervalMillis = intervalMillis
    }

    /// A row write, to be confirmed once its transaction is committed.
    struct Write: Sendable {
        var deviceID: String
        var at: Int64
        /// A routine message (its row is now online and current); `false` for a `status` message, after
        /// which the next message writes again.
        var routine: Bool
    }

    /// Whether a routine message of `deviceID` at `now` may leave the row as it is.
    func isCurrent(_ deviceID: String, now: Int64) -> Bool {
        written.withLock { written in
            guard let at = written[deviceID] else { return false }
            return now >= at && now - at < intervalMillis
        }
    }

    /// Records the writes of a committed transaction.
    func confirm(_ writes: [Write]) {
        guard !writes.isEmpty else { return }
        written.withLock { written in
            for write in writes {
                written[write.deviceID] = write.routine ? write.at : nil
            }
        }
    }
}
