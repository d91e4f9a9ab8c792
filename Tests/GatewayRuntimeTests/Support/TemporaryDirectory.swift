import Foundation

enum TemporaryDirectory {
    /// A fresh directory under the system temporary directory.
    static func make(prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gatewayd-\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held. For waiting on other
/// processes (a broker, a database written by another task) where no event can be awaited.
func eventually(timeout: Duration = .seconds(10), _ condition: () throws -> Bool) async rethrows -> Bool {
    try await eventuallyAsync(timeout: timeout) { try condition() }
}

/// ``eventually(timeout:_:)`` for a condition that must itself wait (an HTTP probe).
func eventuallyAsync(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
