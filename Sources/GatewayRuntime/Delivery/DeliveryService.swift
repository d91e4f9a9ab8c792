import AlertRules
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// Delivers the outbox to each configured target: at least once, with an `Idempotency-Key` per delivery,
/// exponential backoff with jitter, a per-target concurrency limit and a timeout. Network errors, 5xx and
/// 429 (honouring `Retry-After`) are retried; any other 4xx is dead-lettered with the response. Rows are
/// leased in SQLite before sending, so a crash mid-send retries them after the lease: restart-safe.
public final class DeliveryService: Service, Sendable, CustomStringConvertible {
    let targets: [DeliveryTarget]
    let database: StoragePool
    let bell: Doorbell
    let clock: @Sendable () -> Int64
    let logger: Logger
    let client: HTTPClient
    /// A delivery still failing this long after it was queued is `expired` instead of retried (as configured now).
    let retryHorizonSeconds: @Sendable () -> Int
    private let store = DeliveryStore()
    private let stopping = StopFlag()

    init(targets: [DeliveryTarget], database: StoragePool, bell: Doorbell, clock: @escaping @Sendable () -> Int64, logger: Logger,
         retryHorizonSeconds: @escaping @Sendable () -> Int = { 86_400 }) {
        self.retryHorizonSeconds = retryHorizonSeconds
        self.targets = targets
        self.database = database
        self.bell = bell
        self.clock = clock
        self.logger = logger
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        configuration.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public var description: String { "DeliveryService" }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for target in targets {
                    group.addTask { await self.work(target) }
                }
                group.addTask {
                    while !self.stopping.isSet {
                        try? await Task.sleep(for: .milliseconds(500))
                        self.bell.ring()
                    }
                }
            }
        } onGracefulShutdown: {
            self.stopping.set()
            self.bell.ring()
        }
        try? await client.shutdown()
    }

    /// One worker per target. Wakes on new deliveries (the bell) and at least every 500 ms for retries.
    private func work(_ target: DeliveryTarget) async {
        while !stopping.isSet {
            let now = clock()
            let leased: [DeliveryStore.Row]
            do {
                leased = try await StorageAccess.write(database) { [store] db in
                    // Relatives' messages held for quiet hours go out (one digest each) once the hours are over.
                    if target.kind == .message { try store.releaseHeld(now: now, in: db) }
                    return try store.lease(target: target.kind, now: now, leaseUntil: now + max(target.leaseSeconds, target.timeoutSeconds) * 1000,
                                    limit: target.concurrency, in: db)
                }
            } catch {
                logger.error("leasing deliveries failed", metadata: ["delivery.target": "\(target.kind.rawValue)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            if leased.isEmpty {
                await bell.wait()
                continue
            }
            await withTaskGroup(of: Void.self) { group in
                for row in leased {
                    group.addTask { await self.attempt(row, target: target) }
                }
            }
        }
    }

    private struct Reply {
        var status: Int?
        var text = ""
        var retryAfter: Double?
        var failure = ""
    }

    private func send(_ row: DeliveryStore.Row, target: DeliveryTarget) async -> Reply {
        var request = HTTPClientRequest(url: target.url + row.path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "Idempotency-Key", value: row.idempotencyKey)
        if let token = target.bearerToken { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes(ByteBuffer(bytes: Array(row.body)))
        do {
            let response = try await client.execute(request, timeout: .seconds(target.timeoutSeconds))
            var reply = Reply(status: Int(response.status.code))
            reply.retryAfter = response.headers.first(name: "Retry-After").flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            reply.text = String(buffer: try await response.body.collect(upTo: 64 * 1024))
            return reply
        } catch {
            return Reply(status: nil, failure: "\(type(of: error)): \(error)")
        }
    }

    private func attempt(_ row: DeliveryStore.Row, target: DeliveryTarget) async {
        let reply = await send(row, target: target)
        let (status, responseText, retryAfter, failure) = (reply.status, reply.text, reply.retryAfter, reply.failure)
        let now = clock()
        let verdict = DeliveryVerdict.classify(status: status)
        let metadata: Logger.Metadata = [
            "delivery.id": "\(row.id)", "delivery.kind": "\(row.kind)", "alert.id": "\(row.alertID)",
            "http.status": "\(status.map(String.init) ?? "-")", "delivery.attempt": "\(row.attempts + 1)",
        ]
        let horizon = Int64(retryHorizonSeconds()) * 1000
        var expired = false
        do {
            expired = try await StorageAccess.write(database) { [store] db -> Bool in
                switch verdict {
                case .delivered:
                    try store.markDelivered(row.id, status: status ?? 0, response: responseText, now: now, in: db)
                    if row.kind == "workorder.create", let reference = Self.workOrderReference(responseText) {
                        try WorkOrderStore().recordReference(reference, alertID: row.alertID, in: db)
                    }
                case .retry:
                    let delay = target.retry.delayMillis(attempt: row.attempts + 1, retryAfterSeconds: retryAfter,
                                                         random: Double.random(in: 0..<1))
                    return try store.markRetry(row.id, status: status, error: status.map { "HTTP \($0)" } ?? failure,
                                               nextAttemptAt: now + delay, expiresAfterCreation: horizon, in: db)
                case .reject:
                    try store.markDead(row.id, status: status ?? 0, response: responseText, in: db)
                }
                return false
            }
        } catch {
            logger.error("recording a delivery failed", metadata: metadata.merging(["error": "\(error)"]) { a, _ in a })
            return
        }
        switch verdict {
        case .delivered: logger.info("delivered", metadata: metadata)
        case .retry where expired: logger.error("delivery failed past the retry horizon; expired", metadata: metadata)
        case .retry: logger.warning("delivery failed; will retry", metadata: metadata)
        case .reject: logger.error("delivery rejected; dead-lettered", metadata: metadata)
        }
    }

    /// The work-order system's own id in a 2xx reply: `id`, `work_order_id`, `case_no` or `data.id`.
    static func workOrderReference(_ text: String) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else { return nil }
        for key in ["work_order_id", "case_no", "id"] {
            if let value = object[key] { return "\(value)" }
        }
        if let data = object["data"] as? [String: Any], let id = data["id"] ?? data["work_order_id"] { return "\(id)" }
        return nil
    }
}
