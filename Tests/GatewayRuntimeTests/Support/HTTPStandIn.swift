import Foundation
import LocalBroker
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A real HTTP server standing in for the grid work-order system or the message gateway. It records every
/// request (path, `Idempotency-Key`, JSON body) and can be told to fail, stall or go down.
final class HTTPStandIn: Sendable {
    enum Mode: Sendable, Equatable {
        case accept
        case status(Int, retryAfter: Int?)
        /// Record, then answer only after this long.
        case stall(seconds: Double)
    }

    struct Received: Sendable {
        var path: String
        var key: String
        var body: [String: Any] { (try? JSONSerialization.jsonObject(with: raw)) as? [String: Any] ?? [:] }
        var raw: Data
        var at: Date
    }

    let port: Int
    private let state = Mutex<(mode: Mode, received: [Received], group: ServiceGroup?, task: Task<Void, any Error>?)>((.accept, [], nil, nil))
    /// Messages to these recipients are answered 503 (one recipient's provider is down), whatever the mode.
    private let failing = Mutex<Set<String>>([])

    func fail(recipient: String) { failing.withLock { _ = $0.insert(recipient) } }

    init() throws { port = try FreePort.find() }

    var url: String { "http://127.0.0.1:\(port)/api/cases" }
    var mode: Mode {
        get { state.withLock { $0.mode } }
        set { state.withLock { $0.mode = newValue } }
    }
    var received: [Received] { state.withLock { $0.received } }
    /// Distinct deliveries as the receiver sees them after de-duplicating by `Idempotency-Key`.
    var uniqueByKey: [Received] {
        var seen = Set<String>()
        return received.filter { seen.insert($0.key).inserted }
    }

    /// Starts answering on `port` and waits until it accepts connections.
    func start() async throws {
        let router = Router()
        router.post("/api/cases/**") { request, _ in try await self.handle(request) }
        router.post("/api/cases") { request, _ in try await self.handle(request) }
        var logger = Logger(label: "stand-in")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        state.withLock {
            $0.group = group
            $0.task = task
        }
        let deadline = Date().addingTimeInterval(5)
        while !FreePort.accepts(port), Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
    }

    /// Goes down: stops listening (connections are refused) until started again.
    func stop() async {
        let (group, task) = state.withLock { ($0.group, $0.task) }
        await group?.triggerGracefulShutdown()
        _ = try? await task?.value
        state.withLock {
            $0.group = nil
            $0.task = nil
        }
    }

    private func handle(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        let received = Received(path: request.uri.path, key: request.headers[HTTPField.Name("Idempotency-Key")!] ?? "",
                                raw: Data(body.readableBytesView), at: Date())
        let mode = state.withLock { state -> Mode in
            state.received.append(received)
            return state.mode
        }
        if let recipient = received.body["recipient"] as? String, failing.withLock({ $0.contains(recipient) }) {
            return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: #"{"error": "provider down"}"#)))
        }
        switch mode {
        case .accept:
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: #"{"code": 0, "work_order_id": "WO-\#(received.key.hashValue & 0xffff)"}"#)))
        case let .status(code, retryAfter):
            var headers = HTTPFields()
            if let retryAfter { headers[.retryAfter] = "\(retryAfter)" }
            return Response(status: .init(code: code), headers: headers, body: .init(byteBuffer: ByteBuffer(string: #"{"error": "told to fail"}"#)))
        case let .stall(seconds):
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
    }
}
