import ArgumentParser
import Foundation

/// Where the running daemon's HTTP API is and which bearer token to use, shared by `devices` and `alerts`.
struct APIOptions: ParsableArguments {
    @Option(name: .customLong("api"), help: ArgumentHelp(
        "Base URL of the running daemon's HTTP API. [env: GATEWAYD_API, default: http://127.0.0.1:8080]",
        valueName: "url"))
    var apiURL: String?

    @Option(help: ArgumentHelp(
        "Bearer token for the API. Prefer the environment variable GATEWAYD_TOKEN so the token stays out of your "
            + "shell history and the process list. [env: GATEWAYD_TOKEN]",
        valueName: "token"))
    var token: String?

    @Flag(help: "Print the API's JSON response as received instead of readable text.")
    var json = false

    static let defaultURL = "http://127.0.0.1:8080"

    func validate() throws {
        _ = try resolvedURL()
    }

    /// The API base URL: the flag, else GATEWAYD_API, else the default; without a trailing slash.
    func resolvedURL() throws -> String {
        let text = apiURL ?? ProcessInfo.processInfo.environment["GATEWAYD_API"] ?? Self.defaultURL
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty
        else { throw ValidationError("--api \(text) is not an http(s) URL like \(Self.defaultURL)") }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    func resolvedToken() -> String? {
        let value = token ?? ProcessInfo.processInfo.environment["GATEWAYD_TOKEN"]
        return value?.isEmpty == true ? nil : value
    }

    /// Opens a connection to the daemon, runs `body` and closes it. An API or network failure is printed
    /// (`gatewayd: error: …`) and exits with status 1.
    func withConnection(_ body: (APIConnection) async throws -> Void) async throws {
        let connection = APIConnection(baseURL: try resolvedURL(), token: resolvedToken())
        var failure: (any Error)?
        do {
            try await body(connection)
        } catch {
            failure = error
        }
        await connection.close()
        if let apiFailure = failure as? APIFailure {
            apiFailure.report()
            throw ExitCode(1)
        }
        if let failure { throw failure }
    }
}

/// The text every API command's discussion starts with: what it needs, written for a new installer.
enum APIHelp {
    static func discussion(_ specific: String, role: String) -> String {
        """
        \(specific)

        This command needs the gateway daemon running: it goes through the daemon's HTTP API, so the same \
        validation, audit log and live rule engine apply as for every other client. Start the daemon with \
        `gatewayd run --http 127.0.0.1:8080` (the API is off without --http or GATEWAYD_HTTP) and point \
        --api / GATEWAYD_API at it if it is elsewhere.

        Needs a token with role \(role) (or admin). Put it in the environment rather than on the command line, \
        so it stays out of your shell history:
          export GATEWAYD_TOKEN=…
        """
    }
}
