import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// Why an API command failed, printed as one `gatewayd: error: …` line (plus validation issues and a hint).
enum APIFailure: Error {
    /// The daemon answered with its JSON error shape.
    case api(status: Int, code: String, message: String, issues: [Issue])
    /// Not a JSON error: a proxy, a wrong URL, another service on that port.
    case unexpectedReply(status: Int, detail: String)
    /// Nothing listens at the URL.
    case notRunning(url: String)
    /// Something else went wrong on the way (DNS, timeout, TLS).
    case transport(url: String, detail: String)

    struct Issue: Decodable {
        var path: String?
        var message: String?
        /// `file:line:column`, for a problem in a file (a fleet import).
        var location: String?
    }

    private struct Envelope: Decodable {
        struct Detail: Decodable {
            var code: String
            var message: String
            var issues: [Issue]?
        }
        var error: Detail
    }

    init(status: Int, body: Data) {
        if let envelope = try? JSONDecoder().decode(Envelope.self, from: body) {
            self = .api(status: status, code: envelope.error.code, message: envelope.error.message, issues: envelope.error.issues ?? [])
        } else {
            let text = String(decoding: body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            self = .unexpectedReply(status: status, detail: text.isEmpty ? "empty reply" : text)
        }
    }

    init(transportError error: any Error, url: String) {
        if Self.isConnectionRefused(error) {
            self = .notRunning(url: url)
        } else if let error = error as? HTTPClientError, error == .connectTimeout {
            self = .transport(url: url, detail: "no answer within 5 s (is the host reachable and the port right?)")
        } else if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout {
            self = .transport(url: url, detail: "the daemon did not answer in time")
        } else {
            self = .transport(url: url, detail: "\(error)")
        }
    }

    private static func isConnectionRefused(_ error: any Error) -> Bool {
        if let error = error as? IOError { return error.errnoCode == ECONNREFUSED }
        if let error = error as? NIOConnectionError {
            return !error.connectionErrors.isEmpty && error.connectionErrors.allSatisfy { isConnectionRefused($0.error) }
        }
        return false
    }

    /// Prints the failure on standard error.
    func report() {
        switch self {
        case let .api(status, code, message, issues):
            // With issues, the message only repeats them on one line: say how many, then list them.
            let summary = issues.isEmpty ? message : "the daemon rejected the request: \(issues.count) problem(s)"
            printError("gatewayd: error: \(summary) (\(code), HTTP \(status))")
            for issue in issues {
                if let location = issue.location {
                    let path = issue.path.map { $0.isEmpty ? "" : "\($0): " } ?? ""
                    printError("  \(location): \(path)\(issue.message ?? "")")
                } else {
                    printError("  \(issue.path ?? "-"): \(issue.message ?? "")")
                }
            }
            if status == 401 {
                printError("hint: set GATEWAYD_TOKEN (or --token) to a token listed in devices.yaml api_tokens")
            }
        case let .unexpectedReply(status, detail):
            printError("gatewayd: error: unexpected reply from the API: \(detail) (HTTP \(status)); is --api pointing at gatewayd?")
        case let .notRunning(url):
            printError("gatewayd: error: the gateway daemon is not running at \(url) (connection refused)")
            let address = URLComponents(string: url).flatMap { url in url.host.map { "\($0):\(url.port ?? 80)" } } ?? "127.0.0.1:8080"
            printError("hint: start it with `gatewayd run --http \(address)` (its HTTP API is off without --http), "
                + "or point --api / GATEWAYD_API at the daemon's address")
        case let .transport(url, detail):
            printError("gatewayd: error: cannot reach the gateway daemon at \(url): \(detail)")
        }
    }
}
