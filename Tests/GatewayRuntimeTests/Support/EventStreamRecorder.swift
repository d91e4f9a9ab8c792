import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// One Server-Sent Event as a browser's `EventSource` would see it.
struct ServerSentEvent: Sendable {
    var id: String?
    var name: String
    var data: String
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:] }
}

/// Reads the gateway's alert stream with a real HTTP client in a task of its own and records every event, so
/// that tests wait on what arrived (``eventually(timeout:_:)``), never on time. ``stop()`` drops the connection.
final class EventStreamRecorder: Sendable {
    private let state = Mutex<(status: Int?, events: [ServerSentEvent], ended: Bool, failure: String?)>((nil, [], false, nil))
    private let task = Mutex<Task<Void, Never>?>(nil)

    var status: Int? { state.withLock { $0.status } }
    var events: [ServerSentEvent] { state.withLock { $0.events } }
    /// The server ended the stream (or the connection failed).
    var ended: Bool { state.withLock { $0.ended } }

    init(url: String, headers: [(String, String)], client: HTTPClient) {
        let run = Task { [self] in
            var request = HTTPClientRequest(url: url)
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            do {
                let response = try await client.execute(request, deadline: .now() + .minutes(5))
                self.state.withLock { $0.status = Int(response.status.code) }
                var pending = ""
                for try await buffer in response.body {
                    pending += String(buffer: buffer)
                    while let end = pending.range(of: "\n\n") {
                        let block = String(pending[..<end.lowerBound])
                        pending = String(pending[end.upperBound...])
                        if let event = Self.parse(block) { self.state.withLock { $0.events.append(event) } }
                    }
                }
            } catch {
                self.state.withLock { $0.failure = "\(error)" }
            }
            self.state.withLock { $0.ended = true }
        }
        task.withLock { $0 = run }
    }

    func stop() {
        task.withLock { $0?.cancel() }
    }

    /// The events of one name.
    func events(named name: String) -> [ServerSentEvent] { events.filter { $0.name == name } }

    static func parse(_ block: String) -> ServerSentEvent? {
        var id: String?
        var name = "message"
        var data: [String] = []
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(":") { continue }
            let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let field = String(parts[0])
            var value = parts.count > 1 ? String(parts[1]) : ""
            if value.hasPrefix(" ") { value.removeFirst() }
            switch field {
            case "id": id = value
            case "event": name = value
            case "data": data.append(value)
            default: continue
            }
        }
        guard !data.isEmpty else { return nil }
        return ServerSentEvent(id: id, name: name, data: data.joined(separator: "\n"))
    }
}
