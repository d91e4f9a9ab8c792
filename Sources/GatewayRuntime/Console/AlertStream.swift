import AlertRules
import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle

/// `GET /api/v1/alerts/stream`: the alert board as Server-Sent Events.
///
/// Every event's `id` is the id of an alert transition (`alert_transitions.id`, rising in commit order), so a
/// client that reconnects with `Last-Event-ID` (the browser's `EventSource` does it by itself) gets exactly the
/// transitions it has not seen, in order — none lost, none twice:
/// - `event: board` — the open and acknowledged alerts, `{"cursor": N, "alerts": [ConsoleAlert]}`, `id: N`: sent
///   first when the client brings no `Last-Event-ID`, an id the database does not have (a wiped database), or
///   one more than ``maxCatchUp`` transitions behind; the client replaces its board with it.
/// - `event: alert` — one transition `{"alert": ConsoleAlert, "transition": {kind, actor, reason, at}}` with
///   the alert as it is now; a resolved alert leaves the board.
/// - a comment line every ``heartbeat`` keeps proxies from closing the connection and finds dead clients.
/// The stream ends on graceful shutdown (the client reconnects to the restarted daemon and catches up), and when
/// the client's session ends (checked at every wake-up: each commit, each heartbeat, each sign-out).
struct AlertStream: Sendable {
    let queries: ConsoleQueries
    let changes: ChangeSignal
    let presenter: ConsolePresenter
    /// Whether the client may still read the stream (its session may end while the stream is open).
    let stillAllowed: @Sendable () -> Bool
    var heartbeat: Duration = .seconds(15)
    /// A client further behind than this gets a fresh board instead of the transitions it missed.
    static let maxCatchUp: Int64 = 2000
    /// Transitions read per query while catching up.
    static let batch = 500

    /// The response: headers now, events as alerts change.
    func response(lastEventID: Int64?) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.init("X-Accel-Buffering")!] = "no"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            let stop = StopFlag()
            try await withGracefulShutdownHandler {
                try await run(lastEventID: lastEventID, stop: stop, writer: &writer)
            } onGracefulShutdown: { [changes] in
                stop.set()
                changes.advance()
            }
            try await writer.finish(nil)
        })
    }

    private func run(lastEventID: Int64?, stop: StopFlag, writer: inout any ResponseBodyWriter) async throws {
        // Browsers wait this long before reconnecting after the stream ends.
        try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
        var cursor: Int64
        let latest = try queries.latestTransition()
        if let lastEventID, lastEventID >= 0, lastEventID <= latest, latest - lastEventID <= Self.maxCatchUp {
            cursor = lastEventID
        } else {
            cursor = try await writeBoard(&writer)
        }
        while !stop.isSet, !Task.isCancelled, stillAllowed() {
            // The generation is read before the query: a commit after the query moves it, so the wait returns.
            let seen = changes.generation
            let found = try queries.changes(after: cursor, limit: Self.batch)
            for change in found {
                try await writer.write(ByteBuffer(string: Self.event("alert", id: change.id, ConsoleChange(
                    alert: presenter.present(change.alert),
                    transition: .init(kind: change.kind, actor: change.actor, reason: change.reason, at: change.at)))))
                cursor = change.id
            }
            if found.count == Self.batch { continue }
            let moved = await changes.wait(beyond: seen, atMost: heartbeat)
            if !moved, !stop.isSet {
                try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
            }
        }
    }

    /// Writes the board; returns its cursor.
    private func writeBoard(_ writer: inout any ResponseBodyWriter) async throws -> Int64 {
        let board = try queries.board()
        try await writer.write(ByteBuffer(string: Self.event("board", id: board.cursor,
                                                             ConsoleBoard(cursor: board.cursor, alerts: board.alerts.map(presenter.present)))))
        return board.cursor
    }

    static func event(_ name: String, id: Int64, _ value: some Encodable) -> String {
        "id: \(id)\nevent: \(name)\ndata: \(String(decoding: JSONResponse.encode(value), as: UTF8.self))\n\n"
    }

    /// `Last-Event-ID` (a reconnecting `EventSource`) or `last_event_id` (a page that reopens the stream itself).
    static func lastEventID(_ request: Request) throws -> Int64? {
        guard let text = request.headers[.init("Last-Event-ID")!] ?? request.uri.queryParameters.get("last_event_id") else { return nil }
        guard let value = Int64(text.trimmingCharacters(in: .whitespaces)) else {
            throw APIError(.badRequest, code: "invalid_last_event_id", message: "Last-Event-ID must be an event id of this stream")
        }
        return value
    }
}

struct ConsoleBoard: Encodable, Sendable {
    var cursor: Int64
    var alerts: [ConsoleAlert]
}

struct ConsoleChange: Encodable, Sendable {
    var alert: ConsoleAlert
    var transition: AlertPayload.Transition
}
