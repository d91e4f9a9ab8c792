import AlertRules
import Foundation
import Hummingbird
import NIOCore

/// The console's alert reads: the live stream (``AlertStream``), an alert's timeline (``AlertTimeline``) and
/// its snapshot, served only to an authenticated operator (never a file URL). Role operator.
extension GatewayAPI {
    func addConsoleAlertRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/api/v1/alerts/stream") { request, _ in
            let token = try auth.authenticate(request, allowing: [.operator])
            let lastEventID = try AlertStream.lastEventID(request)
            // Checked again at every wake-up: a stream ends with its session (sign-out, expiry, token removed).
            let stillAllowed: @Sendable () -> Bool = { [auth] in (try? auth.authenticate(request, allowing: [.operator])) != nil }
            return AlertStream(queries: ConsoleQueries(database: queries.database), changes: host.alertChanges,
                               presenter: ConsolePresenter(registry: { [host] in host.registry }, role: token.role),
                               stillAllowed: stillAllowed)
                .response(lastEventID: lastEventID)
        }
        router.get("/api/v1/alerts/{id}/timeline") { request, context in
            let token = try auth.authenticate(request, allowing: [.operator])
            let id = try identifier(context, "id")
            guard let (alert, history) = try queries.alert(id) else { throw APIError(.notFound, code: "not_found", message: "no such alert") }
            let console = ConsoleQueries(database: queries.database)
            let snapshot = try snapshots != nil && console.snapshot(of: alert) != nil
            return JSONResponse.response(AlertTimeline(alert: alert, history: history, followUp: try console.followUp(of: id), snapshot: snapshot,
                                                       presenter: ConsolePresenter(registry: { [host] in host.registry }, role: token.role)))
        }
        router.get("/api/v1/alerts/{id}/snapshot") { request, context in
            _ = try auth.authenticate(request, allowing: [.operator])
            let id = try identifier(context, "id")
            guard let (alert, _) = try queries.alert(id) else { throw APIError(.notFound, code: "not_found", message: "no such alert") }
            guard let snapshots, let found = try ConsoleQueries(database: queries.database).snapshot(of: alert),
                  let data = try? Data(contentsOf: snapshots.fileURL(sha256: found.sha256)) else {
                return Response(status: .noContent)
            }
            var headers = HTTPFields()
            headers[.contentType] = ["image/jpeg", "image/png"].contains(found.contentType) ? found.contentType : "application/octet-stream"
            headers[.cacheControl] = "private, no-store"
            headers[.init("X-Content-Type-Options")!] = "nosniff"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }
}
